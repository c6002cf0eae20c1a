// The gateway's callers: tokens, rate limits, monthly budgets; bad input answered with OpenAI-style
// 4xx bodies; keys never in logs, metrics or health output; the config section and the CLI.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { formatConfigError, parseConfigText } from '../src/config/load.js';
import { FakeUpstream, sha256 } from './gateway-fake.js';
import { MISTRAL_KEY, OPENAI_KEY, ask, chat, setup } from './gateway-setup.js';
import { CLI, runCli } from './helpers/cli.js';

const TEAM_A = 'vg-team-a-token-abcdefghijklmnop';
const TEAM_B = 'vg-team-b-token-qrstuvwxyz012345';
const clientsYaml = (extraA = '', extraB = '') => `  clients:
    - { name: team-a, token_sha256: ${sha256(TEAM_A)}${extraA} }
    - { name: team-b, token_sha256: "${sha256(TEAM_B).toUpperCase()}"${extraB} }`;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function assertApiError(r: { status: number; json?: any }, status: number, code?: string | null): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(typeof r.json?.error?.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  assert.equal(typeof r.json.error.type, 'string');
  assert.ok('param' in r.json.error && 'code' in r.json.error);
  if (code !== undefined) assert.equal(r.json.error.code, code);
}

describe('gateway: client tokens, rate limits and budgets', () => {
  it('requires a listed token when clients are configured (hash compared, either case in the config)', async (t) => {
    const s = await setup(t, { extra: clientsYaml() });
    assertApiError(await chat(s.url, ask()), 401, 'missing_api_key');
    assertApiError(await chat(s.url, ask(), bearer('vg-wrong')), 401, 'invalid_api_key');
    assertApiError(await chat(s.url, ask(), { authorization: `Basic ${TEAM_A}` }), 401, 'missing_api_key');
    assert.equal((await chat(s.url, ask(), bearer(TEAM_A))).status, 200);
    assert.equal((await chat(s.url, ask(), bearer(TEAM_B))).status, 200);
    assert.equal((await fetch(`${s.url}/v1/models`)).status, 401);
    assert.equal((await fetch(`${s.url}/v1/models`, { headers: bearer(TEAM_A) })).status, 200);
    // The client's token never goes upstream: the provider gets the provider's key.
    assert.ok(s.openai.received.every((r) => r.authorization === `Bearer ${OPENAI_KEY}`));
  });

  it('rate limit per client: 429 with Retry-After once the bucket is empty, other clients unaffected', async (t) => {
    const s = await setup(t, { extra: clientsYaml(', rate_limit: 2/m') });
    assert.equal((await chat(s.url, ask(), bearer(TEAM_A))).status, 200);
    assert.equal((await chat(s.url, ask(), bearer(TEAM_A))).status, 200);
    const r = await chat(s.url, ask(), bearer(TEAM_A));
    assertApiError(r, 429, 'rate_limit_exceeded');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await chat(s.url, ask(), bearer(TEAM_B))).status, 200);
    assert.equal(s.openai.countFor(), 3);
  });

  it('monthly token budget counted from the responses’ usage (and from the stream’s usage chunk)', async (t) => {
    const s = await setup(t, { extra: clientsYaml(', monthly_tokens: 40') });
    // Each plain answer reports usage.total_tokens 15.
    assert.equal((await chat(s.url, ask(), bearer(TEAM_A))).status, 200);
    assert.equal(s.gw.clients.usedThisMonth('team-a'), 15);
    s.openai.chunks = 3;
    assert.equal((await chat(s.url, { ...ask(true), stream_options: { include_usage: true } }, bearer(TEAM_A))).status, 200);
    assert.equal(s.gw.clients.usedThisMonth('team-a'), 28);
    assert.equal((await chat(s.url, ask(), bearer(TEAM_A))).status, 200);
    const r = await chat(s.url, ask(), bearer(TEAM_A));
    assertApiError(r, 429, 'insufficient_quota');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(s.gw.clients.usedThisMonth('team-b'), 0);
    assert.equal((await chat(s.url, ask(), bearer(TEAM_B))).status, 200);
  });
});

describe('gateway: bad client input gets an OpenAI-style 4xx', () => {
  it('each kind of bad request is named, never a 5xx', async (t) => {
    const s = await setup(t, { extra: '  max_body_bytes: 2048' });
    const post = async (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
      const res = await fetch(`${s.url}${path}`, { method: 'POST', headers, body });
      const text = await res.text();
      return { status: res.status, json: JSON.parse(text) };
    };
    const cases: [string, string, number, string | null, string | null][] = [
      ['/v1/chat/completions', '{not json', 400, null, null],
      ['/v1/chat/completions', '', 400, null, null],
      ['/v1/chat/completions', '[1,2]', 400, null, null],
      ['/v1/chat/completions', '{"messages":[{"role":"user","content":"x"}]}', 400, 'model', null],
      ['/v1/chat/completions', '{"model":"gpt-4o-mini"}', 400, 'messages', null],
      ['/v1/chat/completions', '{"model":"gpt-4o-mini","messages":"hi"}', 400, 'messages', null],
      ['/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[]}', 400, 'messages', null],
      ['/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[{"content":"x"}]}', 400, 'messages[0].role', null],
      ['/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[{"role":"user"}],"stream":"yes"}', 400, 'stream', null],
      ['/v1/chat/completions', '{"model":"no-such-model","messages":[{"role":"user"}]}', 404, 'model', 'model_not_found'],
      ['/v1/embeddings', '{"model":"text-embedding-3-small"}', 400, 'input', null],
      ['/v1/embeddings', '{"model":"text-embedding-3-small","input":"x","stream":true}', 400, 'stream', null],
      ['/v1/completions', '{"model":"gpt-3.5-turbo-instruct","prompt":3}', 400, 'prompt', null],
      ['/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }), 413, null, 'FST_ERR_CTP_BODY_TOO_LARGE'],
      ['/v1/nothing', '{}', 404, null, 'unknown_url'],
    ];
    for (const [path, body, status, param, code] of cases) {
      const r = await post(path, body);
      assertApiError(r, status);
      assert.equal(r.json.error.param, param, `${path} ${body.slice(0, 60)}: ${r.json.error.message}`);
      if (code) assert.equal(r.json.error.code, code);
    }
    // A body without a JSON content type is still read as JSON (clients often forget the header).
    const plain = await post('/v1/chat/completions', JSON.stringify(ask()), { 'content-type': 'text/plain' });
    assert.equal(plain.status, 200);
    assert.equal(s.openai.received.length, 1, 'nothing bad reached the provider');
  });
});

describe('gateway: odd but valid or hostile bodies', () => {
  it('a body nested a million deep is a 400, not a crash or a 5xx', async (t) => {
    const s = await setup(t);
    const deep = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    const json = (await res.json()) as { error: { message: string } };
    assert.equal(res.status, 400);
    assert.match(json.error.message, /nested too deeply/);
    assert.equal(s.openai.received.length, 0);
  });

  it('a request without a content type is still read as JSON', async (t) => {
    const s = await setup(t);
    const res = await request(`${s.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(ask()) });
    assert.equal(res.statusCode, 200, await res.body.text());
  });
});

describe('gateway: keys stay secret', () => {
  it('provider keys and client tokens never appear in logs, /metrics or /healthz, even in an upstream’s echoed error', async (t) => {
    const s = await setup(t, { extra: clientsYaml() });
    await chat(s.url, ask(), bearer(TEAM_A));
    await chat(s.url, ask(true), bearer(TEAM_A));
    s.openai.mode = '401';
    const echoed = await chat(s.url, ask(), bearer(TEAM_A));
    assert.equal(echoed.status, 401);
    assert.ok(!echoed.text.includes(OPENAI_KEY), 'the key an upstream echoes is masked for the caller');
    s.openai.mode = '500';
    for (let i = 0; i < 4; i++) await chat(s.url, ask(i % 2 === 0), bearer(TEAM_B));
    await s.mistral.stop();
    await chat(s.url, ask(), bearer(TEAM_A));
    await chat(s.url, ask(), bearer('vg-wrong-token'));
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const health = await (await fetch(`${s.url}/healthz`)).text();
    const logs = s.logs.join('');
    assert.ok(logs.includes('gateway request'), 'request lines were logged (at debug)');
    for (const secret of [OPENAI_KEY, MISTRAL_KEY, TEAM_A, TEAM_B, 'vg-wrong-token']) {
      assert.ok(!logs.includes(secret), `logs hold ${secret}`);
      assert.ok(!metrics.includes(secret), `metrics hold ${secret}`);
      assert.ok(!health.includes(secret), `healthz holds ${secret}`);
    }
    // Nor the bodies: the prompt "hi" and the answers are not logged.
    assert.ok(!logs.includes('hello from'));
    assert.ok(!logs.includes('"content"'));
  });

  it('the logger masks key-named fields, should one ever be logged', async (t) => {
    const s = await setup(t);
    s.gw.log.info({ api_key: OPENAI_KEY, headers: { authorization: `Bearer ${OPENAI_KEY}` } }, 'oops');
    assert.ok(!s.logs.join('').includes(OPENAI_KEY));
  });
});

describe('gateway: config and CLI', () => {
  const upstreams = `  upstreams:
    openai: { base_url: "https://api.openai.com/v1", api_key: sk-x }
`;
  it('reports gateway config errors at their line, with the field', () => {
    const text = `site: { title: T }
gateway:
${upstreams}  routes:
    - name: chat
      models: [gpt-4o-mini]
      upstreams: [openai, mistrall]
  clients:
    - { name: a, token_sha256: nothex }
  retry: { on_429: sometimes }
`;
    const r = parseConfigText(text, 'vigie.yaml', {});
    assert.equal(r.ok, false);
    const lines = r.ok ? [] : r.errors.map(formatConfigError);
    assert.ok(lines.some((l) => /^vigie\.yaml:10:\d+: gateway\.clients\[0\]\.token_sha256: must be 64 hexadecimal/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^vigie\.yaml:11:\d+: gateway\.retry\.on_429/.test(l)), lines.join('\n'));
    // Cross-references are checked once the fields themselves are right.
    const fixed = parseConfigText(text.replace('nothex', 'a'.repeat(64)).replace('sometimes', 'failover'), 'vigie.yaml', {});
    const again = fixed.ok ? [] : fixed.errors.map(formatConfigError);
    assert.ok(again.some((l) => /^vigie\.yaml:8:\d+: gateway\.routes\[0\]\.upstreams\[1\]: unknown upstream "mistrall"/.test(l)), again.join('\n'));
  });

  it('a model served by two routes, and a duplicate route, are errors', () => {
    const text = `gateway:
${upstreams}  routes:
    - { name: chat, models: [gpt-4o-mini], upstreams: [openai] }
    - { name: chat, models: [gpt-4o-mini, "*"], upstreams: [openai, openai] }
`;
    const r = parseConfigText(text, 'vigie.yaml', {});
    assert.equal(r.ok, false);
    const msgs = r.ok ? '' : r.errors.map(formatConfigError).join('\n');
    assert.match(msgs, /duplicate route name "chat"/);
    assert.match(msgs, /model "gpt-4o-mini" is already served by route "chat"/);
    assert.match(msgs, /upstream "openai" is listed twice/);
  });

  it('vigie gateway -c serves, and stops on SIGTERM; without a gateway section it says so', async (t) => {
    const up = await new FakeUpstream('openai').start();
    t.after(() => up.stop());
    const dir = await mkdtemp(join(tmpdir(), 'vigie-gw-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'vigie.yaml');
    await writeFile(file, `store: { path: "${join(dir, 'vigie.db')}" }\ngateway:\n  port: 0\n  upstreams:\n    openai: { base_url: "${up.url}", api_key: "\${GW_TEST_KEY}" }\n  routes:\n    - { name: chat, models: ["*"], upstreams: [openai] }\n`);
    const child = spawn(process.execPath, [CLI, 'gateway', '-c', file], { env: { ...process.env, GW_TEST_KEY: 'sk-cli-secret-xyz' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    t.after(() => {
      clearTimeout(killer);
      child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[^\s/]+)\/v1/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const r = await chat(url, ask(), {});
    assert.equal(r.status, 200);
    assert.equal(up.received[0]!.authorization, 'Bearer sk-cli-secret-xyz');
    const code = await new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
    assert.ok(!err.includes('sk-cli-secret-xyz'));
    assert.match(err, /no gateway clients/);

    const none = join(dir, 'none.yaml');
    await writeFile(none, 'site: { title: T }\n');
    const r2 = await runCli(['gateway', '-c', none]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /has no "gateway:" section/);
    const tok = await runCli(['gateway', 'token']);
    assert.equal(tok.code, 0);
    const token = tok.stdout.trim();
    assert.match(token, /^vg-/);
    assert.ok(tok.stderr.includes(`token_sha256: ${sha256(token)}`));
  });
});
