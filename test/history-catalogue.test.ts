// The catalogue of official status pages, and the config keys of the history: vendor shorthand,
// slo, service depends_on and the history time zone, with errors at the line a person would look at.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfigText } from '../src/config/load.js';
import { vendorSources } from '../src/signals/vendor/sources.js';
import { CATALOGUE_KEYS, VENDOR_CATALOGUE, catalogueEntry } from '../src/signals/vendor/catalogue.js';
import { vendorParsers } from '../src/signals/vendor/registry.js';

test('every catalogue entry has a kind Vigie reads and https URLs that parse', () => {
  assert.ok(CATALOGUE_KEYS.length >= 20);
  for (const want of ['openai', 'anthropic', 'github', 'cloudflare', 'slack', 'discord', 'jira']) assert.ok(CATALOGUE_KEYS.includes(want as never), want);
  for (const [key, e] of Object.entries(VENDOR_CATALOGUE)) {
    assert.match(key, /^[a-z0-9][a-z0-9-]*$/, key);
    assert.ok(Object.hasOwn(vendorParsers, e.kind), `${key}: unknown kind ${e.kind}`);
    for (const u of [e.url, e.page]) {
      const url = new URL(u);
      assert.equal(url.protocol, 'https:', `${key}: ${u}`);
      assert.equal(url.username + url.password, '', key);
    }
    if (e.kind === 'statuspage') assert.match(new URL(e.url).pathname, /\/api\/v2\/summary\.json$/, key);
    assert.ok(e.name.length > 0);
  }
  assert.equal(catalogueEntry('constructor'), undefined);
  assert.equal(catalogueEntry('toString'), undefined);
});

const yaml = (...lines: string[]) => lines.join('\n') + '\n';

test('vendor: openai expands from the catalogue; an object may name the catalogue and override the interval', () => {
  const r = parseConfigText(
    yaml(
      'services:',
      '  - id: chatgpt',
      '    name: ChatGPT',
      '    vendor: openai',
      '    slo: { target: 99.9, window: 30d }',
      '    components: [{ id: web, name: Web }]',
      '  - id: gh',
      '    name: GitHub',
      '    vendor: { catalogue: github, interval: 5m }',
      '    depends_on: [chatgpt, chatgpt/web]',
      '    components: [{ id: api, name: API }]',
      'history: { time_zone: Europe/Paris }',
    ),
    'vigie.yaml',
    {},
  );
  if (!r.ok) assert.fail(r.errors.map(formatConfigError).join('\n'));
  const [a, b] = r.config.services;
  assert.deepEqual(a!.vendor, { kind: VENDOR_CATALOGUE.openai.kind, url: VENDOR_CATALOGUE.openai.url, interval: 120_000, catalogue: 'openai' });
  assert.deepEqual(a!.slo, { target: 99.9, window: 30 * 86_400_000 });
  assert.equal(b!.vendor!.interval, 300_000);
  assert.equal(b!.vendor!.url, VENDOR_CATALOGUE.github.url);
  assert.deepEqual(b!.depends_on, ['chatgpt', 'chatgpt/web']);
  assert.equal(r.config.history.time_zone, 'Europe/Paris');
  assert.deepEqual(
    vendorSources(r.config).map((s) => [s.serviceId, s.kind, s.url, s.intervalMs]),
    [
      ['chatgpt', 'feed', VENDOR_CATALOGUE.openai.url, 120_000],
      ['gh', 'statuspage', VENDOR_CATALOGUE.github.url, 300_000],
    ],
  );
});

function errorsOf(...lines: string[]): string[] {
  const r = parseConfigText(yaml(...lines), 'vigie.yaml', {});
  assert.equal(r.ok, false);
  return r.ok ? [] : r.errors.map((e) => `${e.line}: ${e.path} ${e.message}`);
}
function has(errors: string[], line: number, re: RegExp) {
  assert.ok(errors.some((e) => e.startsWith(`${line}: `) && re.test(e)), `no error at line ${line} matching ${re}:\n${errors.join('\n')}`);
}

test('bad history keys are errors at their line', () => {
  const fields = errorsOf(
    'services:',
    '  - id: a',
    '    name: A',
    '    vendor: opneai',
    '    slo: { target: 100 }',
    '    components: [{ id: web, name: Web }]',
    '  - id: b',
    '    name: B',
    '    vendor: { interval: 5m }',
    '    depends_on: ["B!"]',
    '    components: [{ id: web, name: Web }]',
    'history: { time_zone: Mars/Olympus }',
  );
  has(fields, 4, /"opneai" is not in the vendor catalogue/);
  has(fields, 5, /target/);
  has(fields, 9, /needs kind and url, or a catalogue key/);
  has(fields, 10, /must be "service" or "service\/component"/);
  has(fields, 12, /IANA time zone/);
  // References are checked once every field is valid.
  const refs = errorsOf(
    'services:',
    '  - id: a',
    '    name: A',
    '    depends_on: [nope, a, b/zz]',
    '    components: [{ id: web, name: Web }]',
    '  - id: b',
    '    name: B',
    '    depends_on: [c]',
    '    components: [{ id: web, name: Web }]',
    '  - id: c',
    '    name: C',
    '    depends_on: [b/web]',
    '    components: [{ id: web, name: Web }]',
  );
  has(refs, 4, /unknown service "nope"/);
  has(refs, 4, /cannot depend on itself/);
  has(refs, 4, /unknown component "b\/zz"/);
  has(refs, 8, /dependency loop: b → c → b/);
});
