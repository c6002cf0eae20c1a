// Loading vigie.yaml: good files give the expected entities; bad files give errors at the exact
// line and column a person would look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom as rng } from '../src/core/random.js';
import { formatConfigError, loadConfigFile, parseConfigText, type ConfigError, type LoadResult } from '../src/config/load.js';
import { configSchema, type HttpMonitorConfig, type HttpTarget, toEntities, type VigieConfig } from '../src/config/schema.js';

// This file runs from dist/test/, the fixtures stay in test/ and examples/.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'config', name);

/** Lines joined with "\n", so the line numbers in the assertions are the array positions + 1. */
const yaml = (...lines: string[]) => lines.join('\n') + '\n';

function ok(r: LoadResult): VigieConfig {
  if (!r.ok) assert.fail(`expected a valid config, got:\n${r.errors.map(formatConfigError).join('\n')}`);
  return r.config;
}
function errs(r: LoadResult): ConfigError[] {
  if (r.ok) assert.fail('expected errors, got a valid config');
  return r.errors;
}
/** Errors as [line, column, path, message] for compact exact comparison. */
const brief = (es: ConfigError[]) => es.map((e) => [e.line, e.column, e.path, e.message]);
const noEnv = {};

/** A service/component/monitor skeleton; monitor lines start at line 10. */
const monitorFile = (...monitorLines: string[]) =>
  yaml(
    'services:', //                              1
    '  - id: shop', //                           2
    '    name: Shop', //                         3
    '    components:', //                        4
    '      - id: web', //                        5
    '        name: Website', //                  6
    '        monitors:', //                      7
    '          - name: home', //                 8
    ...monitorLines, //                          9...
  );

// --- good files ---------------------------------------------------------------------------------

test('a good file loads and flattens into the expected entities', async () => {
  const cfg = ok(await loadConfigFile(fixture('good.yaml'), { SHOP_TOKEN: 's3cret' }));
  assert.equal(cfg.site.title, 'Test Status');
  assert.equal(cfg.site.port, 9000);
  assert.equal(cfg.site.host, '127.0.0.1');
  assert.equal(cfg.store.path, './data/vigie.db');
  assert.equal(cfg.defaults.failures_to_down, 2);
  const e = toEntities(cfg);
  assert.deepEqual(e.services, [
    { id: 'shop', name: 'Shop', description: null, url: 'https://shop.example.com', position: 0 },
    { id: 'auth', name: 'Auth', description: null, url: null, position: 1 },
  ]);
  assert.deepEqual(e.components, [
    { id: 'shop/web', serviceId: 'shop', name: 'Website', description: null, groupName: 'Front', dependsOn: [], position: 0 },
    { id: 'shop/api', serviceId: 'shop', name: 'API', description: null, groupName: null, dependsOn: ['shop/web', 'auth/login'], position: 1 },
    { id: 'auth/login', serviceId: 'auth', name: 'Login', description: null, groupName: null, dependsOn: [], position: 0 },
  ]);
  assert.deepEqual(e.monitors, [
    {
      id: 'shop/web/home',
      componentId: 'shop/web',
      kind: 'http',
      region: 'local',
      intervalMs: 120_000, // defaults.interval: 2m
      timeoutMs: 5_000, // defaults.timeout: 5s
      degradedAfterMs: 1_500,
      target: { url: 'https://shop.example.com/', method: 'GET', headers: {}, expectedStatus: [200] },
    },
    {
      id: 'shop/web/search',
      componentId: 'shop/web',
      kind: 'http',
      region: 'local',
      intervalMs: 30_000, // a bare number is seconds
      timeoutMs: 5_000,
      degradedAfterMs: null,
      target: { url: 'https://shop.example.com/search?q=x', method: 'POST', headers: {}, body: '{"q":"x"}', expectedStatus: [200, 201] },
    },
    {
      id: 'shop/api/health',
      componentId: 'shop/api',
      kind: 'http',
      region: 'local',
      intervalMs: 120_000,
      timeoutMs: 5_000,
      degradedAfterMs: null,
      target: { url: 'https://api.shop.example.com/health', method: 'GET', headers: { Authorization: 'Bearer s3cret' }, expectedStatus: [200] },
    },
  ]);
});

test('examples/vigie.yaml parses, with and without its optional environment variables', async () => {
  const file = join(repoRoot, 'examples', 'vigie.yaml');
  const plain = ok(await loadConfigFile(file, noEnv));
  assert.equal(plain.site.port, 8080);
  assert.deepEqual(plain.services.map((s) => s.id), ['acme-chat', 'globex-pay']);
  const e = toEntities(plain);
  assert.ok(e.monitors.length >= 4);
  assert.deepEqual(e.components.find((c) => c.id === 'acme-chat/payments')?.dependsOn, ['acme-chat/api', 'globex-pay/checkout']);
  assert.equal((e.monitors.find((m) => m.id === 'acme-chat/api/health')?.target as HttpTarget | undefined)?.headers.Authorization, 'Bearer none');

  const withEnv = ok(await loadConfigFile(file, { VIGIE_PORT: '9999', ACME_TOKEN: 'abc' }));
  assert.equal(withEnv.site.port, 9999);
  assert.equal((toEntities(withEnv).monitors.find((m) => m.id === 'acme-chat/api/health')?.target as HttpTarget | undefined)?.headers.Authorization, 'Bearer abc');
});

test('an empty file, or one of only comments, is valid and all defaults', () => {
  for (const text of ['', '\n\n', '# nothing here yet\n', '---\n']) {
    const cfg = ok(parseConfigText(text, 'vigie.yaml', noEnv));
    // Exactly what the schema gives for an empty map, whatever sections features add.
    assert.deepEqual(cfg, configSchema.parse({}));
    assert.deepEqual(cfg.site, { title: 'Vigie', host: '127.0.0.1', port: 8080 });
    assert.equal(cfg.store.path, './data/vigie.db');
    assert.deepEqual(cfg.defaults, { interval: 60_000, timeout: 10_000, failures_to_down: 2, successes_to_up: 2 });
    assert.deepEqual(cfg.services, []);
  }
});

test('CRLF line endings and a byte-order mark do not shift positions', () => {
  const text = '\uFEFFsite:\r\n  title: ok\r\n  prot: 80\r\n';
  assert.deepEqual(brief(errs(parseConfigText(text, 'vigie.yaml', noEnv))), [[3, 3, 'site.prot', 'unknown key "prot" (did you mean "port"?)']]);
});

// --- schema errors, with positions ----------------------------------------------------------------

test('a bad duration points at the value', () => {
  const r = parseConfigText(monitorFile('            url: https://shop.example.com/', '            interval: 3 parsecs'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [
    [10, 23, 'services[0].components[0].monitors[0].interval', '"3 parsecs" is not a duration (examples: 500ms, 30s, 5m, 1h)'],
  ]);
});

test('the same from a file on disk, formatted for a person', async () => {
  const file = fixture('bad.yaml');
  const es = errs(await loadConfigFile(file, noEnv));
  assert.equal(es.length, 1);
  assert.equal(
    formatConfigError(es[0]!),
    `${file}:12:23: services[0].components[0].monitors[0].interval: "3 parsecs" is not a duration (examples: 500ms, 30s, 5m, 1h)`,
  );
});

test('a bad URL points at the value and says what a URL must be', () => {
  const r = parseConfigText(monitorFile('            url: ftp://shop.example.com/'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [
    [9, 18, 'services[0].components[0].monitors[0].url', 'must be an http:// or https:// URL, got "ftp://shop.example.com/"'],
  ]);
  const r2 = parseConfigText(yaml('site:', '  base_url: not a url'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r2)), [[2, 13, 'site.base_url', 'must be an http:// or https:// URL, got "not a url"']]);
});

test('a misspelt key points at the key itself, one error per key, with a hint', () => {
  const r = parseConfigText(
    yaml(
      'sitee:', //           1
      '  title: x', //       2
      'site:', //            3
      '  titel: X', //       4
      '  prot: 80', //       5
      '  colour: blue', //   6
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [
    [1, 1, 'sitee', 'unknown key "sitee" (did you mean "site"?)'],
    [4, 3, 'site.titel', 'unknown key "titel" (did you mean "title"?)'],
    [5, 3, 'site.prot', 'unknown key "prot" (did you mean "port"?)'],
    [6, 3, 'site.colour', 'unknown key "colour" (expected one of: title, host, port, base_url, workers)'],
  ]);
  const deep = parseConfigText(monitorFile('            url: https://shop.example.com/', '            intervall: 30s'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(deep)), [[10, 13, 'services[0].components[0].monitors[0].intervall', 'unknown key "intervall" (did you mean "interval"?)']]);
});

test('a missing required field points at the map that should hold it', () => {
  const r = parseConfigText(
    yaml(
      'services:', //              1
      '  - id: shop', //           2
      '    name: Shop', //         3
      '    components:', //        4
      '      - id: web', //        5
      '        group: Front', //   6
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [[5, 9, 'services[0].components[0].name', 'missing required key "name"']]);

  const noComponents = parseConfigText(yaml('services:', '  - id: shop', '    name: Shop'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(noComponents)), [[2, 5, 'services[0].components', 'missing required key "components"']]);
});

test('a key with an empty value points at the key, not at the next line', () => {
  const r = parseConfigText(yaml('services:', 'site:', '  title: x'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [[1, 1, 'services', 'is empty; expected a list']]);
});

test('type mistakes say what was expected and what was found', () => {
  const r = parseConfigText(
    yaml(
      'site:', //                          1
      '  port: eighty', //                 2
      'defaults:', //                      3
      '  failures_to_down: 0', //          4
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [
    [2, 9, 'site.port', 'expected a number, got "eighty"'],
    [4, 21, 'defaults.failures_to_down', 'must be at least 1, got 0'],
  ]);
  const m = parseConfigText(
    monitorFile(
      '            url: https://shop.example.com/', //  9
      '            method: get', //                     10
      '            expected_status: [200, 700]', //     11
      '            headers:', //                        12
      '              X-Retries: 3', //                  13
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(m)), [
    [10, 21, 'services[0].components[0].monitors[0].method', 'must be one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"; got "get" (did you mean "GET"?)'],
    [11, 36, 'services[0].components[0].monitors[0].expected_status[1]', 'must be at most 599, got 700'],
  ]);
  // A number as a header value is sent as its text.
  const ok = parseConfigText(monitorFile('            url: https://shop.example.com/', '            headers:', '              X-Retries: 3'), 'vigie.yaml', noEnv);
  assert.ok(ok.ok);
  assert.equal((ok.config.services[0]?.components[0]?.monitors[0] as HttpMonitorConfig | undefined)?.headers['X-Retries'], '3');
});

test('links must be http(s), and dependency loops are named', () => {
  const r = parseConfigText(yaml('site:', '  base_url: "javascript:alert(1)"'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [[2, 13, 'site.base_url', 'must be an http:// or https:// URL, got "javascript:alert(1)"']]);
  const loop = parseConfigText(
    yaml('services:', '  - id: s', '    name: S', '    components:', '      - { id: a, name: A, depends_on: [b] }', '      - { id: b, name: B, depends_on: [a] }'),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(loop)), [[5, 39, 'services[0].components[0].depends_on', 'dependency loop: s/a → s/b → s/a']]);
});

test('a duration of the wrong type says a duration was expected', () => {
  const r = parseConfigText(yaml('defaults:', '  interval: [30s]', '  timeout:'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [
    [2, 13, 'defaults.interval', 'expected a duration such as 30s or 5m, got a list'],
    [3, 3, 'defaults.timeout', 'is empty; expected a duration such as 30s or 5m'],
  ]);
});

test('a map or list used as a key is an error, not a stringified key', () => {
  const r = parseConfigText(yaml('site:', '  ? [a, b]', '  : 1'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [[2, 5, 'site', 'a key must be plain text, not a list']]);
});

test('a duplicate component id is reported at the second one', () => {
  const r = parseConfigText(
    yaml(
      'services:', //                   1
      '  - id: shop', //                2
      '    name: Shop', //              3
      '    components:', //             4
      '      - id: web', //             5
      '        name: Website', //       6
      '      - id: web', //             7
      '        name: Website again', // 8
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [[7, 13, 'services[0].components[1].id', 'duplicate component id "web" in service "shop"']]);
});

test('an unknown depends_on target points at that list entry', () => {
  const r = parseConfigText(
    yaml(
      'services:', //                                1
      '  - id: shop', //                             2
      '    name: Shop', //                           3
      '    components:', //                          4
      '      - id: web', //                          5
      '        name: Website', //                    6
      '        depends_on: [api, auth/login]', //    7
      '      - id: api', //                          8
      '        name: API', //                        9
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [[7, 27, 'services[0].components[0].depends_on[1]', 'unknown component "auth/login"']]);
});

// --- YAML errors ----------------------------------------------------------------------------------

test('a YAML syntax error gives its line and column', () => {
  const r = parseConfigText(yaml('site:', '  title: a: b'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(r)), [[2, 10, '', 'invalid YAML: Nested mappings are not allowed in compact mappings']]);
  const tabs = parseConfigText('site:\n\ttitle: x\n', 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(tabs)), [[2, 1, '', 'invalid YAML: Tabs are not allowed as indentation']]);
});

test('a duplicate YAML key is an error at the second key, naming the first', () => {
  const r = parseConfigText(
    yaml(
      'site:', //              1
      '  title: One', //       2
      '  port: 80', //         3
      '  title: Two', //       4
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(brief(errs(r)), [[4, 3, 'site.title', 'duplicate key "title" (first defined on line 2)']]);
});

test('more than one YAML document is an error', () => {
  const es = errs(parseConfigText(yaml('site:', '  title: a', '---', 'site:', '  title: b'), 'vigie.yaml', noEnv));
  assert.equal(es.length, 1);
  assert.equal(es[0]!.line, 3);
  assert.match(es[0]!.message, /more than one YAML document/);
});

test('a top level that is not a map is a clear error', () => {
  assert.deepEqual(brief(errs(parseConfigText(yaml('- site', '- services'), 'vigie.yaml', noEnv))), [
    [1, 1, '', 'the top level must be a map of settings (site, store, defaults, services), but this file holds a list'],
  ]);
  assert.deepEqual(brief(errs(parseConfigText('\n  hello\n', 'vigie.yaml', noEnv))), [
    [2, 3, '', 'the top level must be a map of settings (site, store, defaults, services), but this file holds the text "hello"'],
  ]);
});

// --- ${VAR} ---------------------------------------------------------------------------------------

const headerFile = (value: string) =>
  monitorFile(
    '            url: https://shop.example.com/', //  9
    '            headers:', //                        10
    `              Authorization: ${value}`, //        11
  );
const authHeader = (cfg: VigieConfig) => (cfg.services[0]!.components[0]!.monitors[0] as HttpMonitorConfig).headers.Authorization;

test('${VAR} is taken from the environment', () => {
  assert.equal(authHeader(ok(parseConfigText(headerFile('Bearer ${SHOP_TOKEN}'), 'vigie.yaml', { SHOP_TOKEN: 'tok-1' }))), 'Bearer tok-1');
  // A value that is only a number stays text where text is expected.
  assert.equal(authHeader(ok(parseConfigText(headerFile('${SHOP_TOKEN}'), 'vigie.yaml', { SHOP_TOKEN: '012345' }))), '012345');
});

test('a missing environment variable is an error at that value, naming the variable', () => {
  const r = parseConfigText(headerFile('Bearer ${SHOP_TOKEN}'), 'vigie.yaml', { OTHER: 'x' });
  assert.deepEqual(brief(errs(r)), [
    [11, 30, 'services[0].components[0].monitors[0].headers.Authorization', 'environment variable SHOP_TOKEN is not set (set it, or give a default: ${SHOP_TOKEN:-default})'],
  ]);
  // The schema's complaint about what is left of a failed value is not piled on top.
  const url = parseConfigText(monitorFile('            url: https://${SHOP_HOST}/'), 'vigie.yaml', noEnv);
  assert.deepEqual(brief(errs(url)).map(([line, col, path]) => [line, col, path]), [[9, 18, 'services[0].components[0].monitors[0].url']]);
  assert.match(errs(url)[0]!.message, /SHOP_HOST is not set/);
});

test('$${ is a literal ${', () => {
  const cfg = ok(parseConfigText(yaml('site:', '  title: "Costs $${PRICE} and $$5"'), 'vigie.yaml', noEnv));
  assert.equal(cfg.site.title, 'Costs ${PRICE} and $$5');
});

test('${VAR:-default} and ${VAR-default}', () => {
  const text = yaml('site:', '  title: ${TITLE:-Fallback title}', 'store:', '  path: ${DATA_DIR-/var/lib/vigie}/vigie.db');
  let cfg = ok(parseConfigText(text, 'vigie.yaml', noEnv));
  assert.equal(cfg.site.title, 'Fallback title');
  assert.equal(cfg.store.path, '/var/lib/vigie/vigie.db');
  // ":-" also replaces an empty value; "-" only an unset one.
  cfg = ok(parseConfigText(text, 'vigie.yaml', { TITLE: '', DATA_DIR: '' }));
  assert.equal(cfg.site.title, 'Fallback title');
  assert.equal(cfg.store.path, '/vigie.db');
  cfg = ok(parseConfigText(text, 'vigie.yaml', { TITLE: 'Mine', DATA_DIR: '/srv' }));
  assert.equal(cfg.site.title, 'Mine');
  assert.equal(cfg.store.path, '/srv/vigie.db');
});

test('a value that is exactly ${VAR} becomes a number where the schema wants one', () => {
  const text = yaml('site:', '  port: ${PORT}');
  assert.equal(ok(parseConfigText(text, 'vigie.yaml', { PORT: '9090' })).site.port, 9090);
  assert.equal(ok(parseConfigText(yaml('site:', '  port: ${PORT:-8181}'), 'vigie.yaml', noEnv)).site.port, 8181);
  // Not a number: the message shows what was written, not the value.
  assert.deepEqual(brief(errs(parseConfigText(text, 'vigie.yaml', { PORT: 'http' }))), [[2, 9, 'site.port', 'expected a number, got "${PORT}" (after substitution)']]);
  // Mixed text is never converted.
  assert.deepEqual(brief(errs(parseConfigText(yaml('site:', '  port: 80${X}'), 'vigie.yaml', { X: '80' }))), [[2, 9, 'site.port', 'expected a number, got "80${X}" (after substitution)']]);
});

test('values from the environment are not echoed into error messages', () => {
  const r = parseConfigText(monitorFile('            url: ${MONITOR_URL}'), 'vigie.yaml', { MONITOR_URL: 'ftp://user:hunter2@shop.example.com/' });
  const es = errs(r);
  assert.deepEqual(brief(es), [[9, 18, 'services[0].components[0].monitors[0].url', 'must be an http:// or https:// URL, got "${MONITOR_URL}" (after substitution)']]);
  assert.ok(!es.map(formatConfigError).join('\n').includes('hunter2'));
});

test('a malformed reference is an error', () => {
  const es = errs(parseConfigText(yaml('site:', '  title: ${NOT VALID}', '  host: ${UNCLOSED'), 'vigie.yaml', noEnv));
  assert.deepEqual(
    es.map((e) => [e.line, e.column, e.path]),
    [
      [2, 10, 'site.title'],
      [3, 9, 'site.host'],
    ],
  );
  assert.match(es[0]!.message, /"\$\{NOT VALID\}" is not a valid variable reference/);
  assert.match(es[1]!.message, /unterminated "\$\{"/);
});

test('keys are never interpolated', () => {
  const cfg = ok(parseConfigText(headerFile('x').replace('Authorization', '${H}'), 'vigie.yaml', noEnv));
  assert.deepEqual((cfg.services[0]!.components[0]!.monitors[0] as HttpMonitorConfig).headers, { '${H}': 'x' });
});

// --- ordering, anchors, odd input -----------------------------------------------------------------

test('errors of every kind come sorted by line', () => {
  const r = parseConfigText(
    yaml(
      'site:', //                                         1
      '  title: ${MISSING}', //                           2
      'services:', //                                     3
      '  - id: Shop', //                                  4
      '    name: Shop', //                                5
      '    components:', //                               6
      '      - id: web', //                               7
      '        name: Website', //                         8
      '        monitors:', //                             9
      '          - name: home', //                        10
      '            url: https://shop.example.com/', //    11
      '            timeout: soon', //                     12
      'defaults:', //                                     13
      '  successes_to_upp: 3', //                         14
    ),
    'vigie.yaml',
    noEnv,
  );
  const es = errs(r);
  assert.deepEqual(
    es.map((e) => [e.line, e.column, e.path]),
    [
      [2, 10, 'site.title'],
      [4, 9, 'services[0].id'],
      [12, 22, 'services[0].components[0].monitors[0].timeout'],
      [14, 3, 'defaults.successes_to_upp'],
    ],
  );
  assert.match(es[1]!.message, /must be lowercase letters/);
  assert.match(es[3]!.message, /did you mean "successes_to_up"/);
});

test('anchors and << merges work, and errors inside them point at the anchored text', () => {
  const base = [
    '          - &base', //                               8 (replaces the skeleton's monitor)
    '            name: home', //                          9
    '            url: https://shop.example.com/', //      10
    '            interval: INTERVAL', //                  11
    '          - <<: *base', //                           12
    '            name: about', //                         13
  ];
  const text = (interval: string) => monitorFile().replace('          - name: home\n', '') + base.join('\n').replace('INTERVAL', interval) + '\n';
  const cfg = ok(parseConfigText(text('45s'), 'vigie.yaml', noEnv));
  const mons = cfg.services[0]!.components[0]!.monitors;
  assert.deepEqual((mons as HttpMonitorConfig[]).map((m) => [m.name, m.url, m.interval]), [
    ['home', 'https://shop.example.com/', 45_000],
    ['about', 'https://shop.example.com/', 45_000],
  ]);
  assert.deepEqual(
    errs(parseConfigText(text('soon'), 'vigie.yaml', noEnv)).map((e) => [e.line, e.column, e.path]),
    [
      [11, 23, 'services[0].components[0].monitors[0].interval'],
      [11, 23, 'services[0].components[0].monitors[1].interval'],
    ],
  );
});

test('an alias bomb is refused, not expanded', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const es = errs(parseConfigText(yaml(...lines), 'vigie.yaml', noEnv));
  assert.equal(es.length, 1);
  assert.deepEqual([es[0]!.line, es[0]!.column, es[0]!.path], [1, 1, '']);
  assert.match(es[0]!.message, /^cannot expand the file's aliases: /);
});

test('many monitors merging one anchored base are not mistaken for an alias bomb', () => {
  let text = monitorFile().replace('          - name: home\n', '');
  text += yaml('          - &base', '            name: m0', '            url: https://shop.example.com/', '            headers: {A: b, C: d}');
  for (let i = 1; i < 300; i++) text += yaml('          - <<: *base', `            name: m${i}`);
  const mons = ok(parseConfigText(text, 'vigie.yaml', noEnv)).services[0]!.components[0]!.monitors;
  assert.equal(mons.length, 300);
  assert.deepEqual((mons[299] as HttpMonitorConfig).headers, { A: 'b', C: 'd' });
});

test('an unreadable file is a line-0 error naming the problem, not an exception', async () => {
  const missing = join(repoRoot, 'test', 'fixtures', 'config', 'does-not-exist.yaml');
  const r = await loadConfigFile(missing, noEnv);
  assert.deepEqual(errs(r), [{ file: missing, line: 0, column: 0, path: '', message: 'file not found' }]);
  assert.equal(formatConfigError(errs(r)[0]!), `${missing}: file not found`);

  const dir = await mkdtemp(join(tmpdir(), 'vigie-config-'));
  try {
    const d = errs(await loadConfigFile(dir, noEnv));
    assert.deepEqual(brief(d), [[0, 0, '', 'is a directory, not a file']]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('formatConfigError', () => {
  assert.equal(
    formatConfigError({ file: 'vigie.yaml', line: 12, column: 7, path: 'services[0].components[1].monitors[0].interval', message: '"3 parsecs" is not a duration (examples: 500ms, 30s, 5m, 1h)' }),
    'vigie.yaml:12:7: services[0].components[1].monitors[0].interval: "3 parsecs" is not a duration (examples: 500ms, 30s, 5m, 1h)',
  );
  assert.equal(formatConfigError({ file: 'vigie.yaml', line: 3, column: 1, path: '', message: 'invalid YAML: x' }), 'vigie.yaml:3:1: invalid YAML: x');
});

// --- never throw ----------------------------------------------------------------------------------

function assertWellFormed(r: LoadResult, input: string) {
  if (r.ok) {
    assert.equal(typeof r.config, 'object');
    return;
  }
  assert.ok(r.errors.length > 0, `no errors for ${JSON.stringify(input)}`);
  let prev = 0;
  for (const e of r.errors) {
    assert.ok(Number.isInteger(e.line) && e.line >= 0, `bad line in ${JSON.stringify(e)}`);
    assert.ok(Number.isInteger(e.column) && e.column >= 0, `bad column in ${JSON.stringify(e)}`);
    assert.ok(e.line >= prev, 'errors sorted by line');
    prev = e.line;
    assert.equal(typeof e.path, 'string');
    assert.ok(typeof e.message === 'string' && e.message.length > 0);
    assert.ok(!/\n\s+at /.test(e.message), `stack trace in ${e.message}`);
    assert.ok(!e.message.startsWith('cannot read the configuration'), `unexpected internal failure: ${e.message} for ${JSON.stringify(input)}`);
  }
}

test('fuzz: random bytes, YAML-ish noise, truncations and mutations never throw', async () => {
  const rand = rng(20240611);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const check = (text: string) => assertWellFormed(parseConfigText(text, 'fuzz.yaml', { A: '1' }), text);

  for (let n = 0; n < 300; n++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    check(bytes.toString('latin1'));
    check(bytes.toString('utf8'));
  }
  const alphabet = [...'abc:-[]{}&*!|>\'"#%@`,?$ \n\n\n\t\\', '  ', '- ', ': ', '${A}', '$${', '<<: ', '&x ', '*x', 'services:', 'id: x', '~', '0x1f', '1e9'];
  for (let n = 0; n < 500; n++) check(Array.from({ length: Math.floor(rand() * 60) }, () => pick(alphabet)).join(''));

  const good = await import('node:fs/promises').then((fs) => fs.readFile(join(repoRoot, 'examples', 'vigie.yaml'), 'utf8'));
  for (let cut = 0; cut <= good.length; cut += 7) check(good.slice(0, cut));
  for (let n = 0; n < 200; n++) {
    const at = Math.floor(rand() * good.length);
    const len = Math.floor(rand() * 5);
    check(good.slice(0, at) + pick(alphabet) + good.slice(at + len));
  }
  // Deep nesting must not blow the stack into an exception either.
  check('a: ' + '['.repeat(5000) + ']'.repeat(5000));
  check('- '.repeat(3000) + 'x');
});

test('a crowd-report window longer than the hour category series keep is refused at its line', () => {
  const r = parseConfigText(
    yaml(
      'services:', //                     1
      '  - id: chatgpt', //               2
      '    name: ChatGPT', //             3
      '    reports:', //                  4
      '      window: 2h', //              5
      '    components:', //               6
      '      - id: web', //               7
      '        name: Web', //             8
    ),
    'vigie.yaml',
    noEnv,
  );
  assert.deepEqual(
    brief(errs(r)).map(([line, , path, msg]) => [line, path, msg]),
    [[5, 'services[0].reports.window', 'must be between 1m and 1h']],
  );
});
