// The gateway against real local OpenAI-compatible upstreams: pass-through, streaming, model map,
// and each scripted outage (refused, 500, stall before the first token, stall and drop mid-stream,
// 429 with Retry-After, 401).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { streamChunk } from './gateway-fake.js';
import { MISTRAL_KEY, OPENAI_KEY, ask, chat, setup, sseEvents } from './gateway-setup.js';

describe('gateway: the API passed through', () => {
  it('relays a chat completion from the first upstream with its key, and says which upstream answered', async (t) => {
    const s = await setup(t);
    const r = await chat(s.url, ask());
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].message.content, 'hello from openai');
    assert.equal(r.json.model, 'gpt-4o-mini');
    assert.equal(r.headers.get('x-vigie-upstream'), 'openai');
    assert.equal(s.openai.received[0]!.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(s.mistral.received.length, 0);
  });

  it('relays a stream byte for byte, chunk by chunk, as text/event-stream', async (t) => {
    const s = await setup(t);
    s.openai.chunks = 4;
    const r = await chat(s.url, ask(true));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const expected = [0, 1, 2, 3].map((i) => streamChunk('openai', 'gpt-4o-mini', i)).join('') + 'data: [DONE]\n\n';
    assert.equal(r.text, expected);
  });

  it('delivers the first chunk before the upstream has finished (no buffering)', async (t) => {
    const s = await setup(t);
    s.openai.chunks = 3;
    s.openai.chunkDelayMs = 300;
    const res = await request(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask(true)) });
    const it = res.body[Symbol.asyncIterator]();
    const first = await it.next();
    assert.match(String(first.value), /openai-0/);
    // The upstream still has chunks to send: the first one came through alone.
    assert.doesNotMatch(String(first.value), /openai-2/);
    let rest = '';
    for (let n = await it.next(); !n.done; n = await it.next()) rest += String(n.value);
    assert.match(rest, /\[DONE\]/);
  });

  it('a provider that answers JSON to a stream request is relayed as that JSON, not retried', async (t) => {
    const s = await setup(t);
    s.openai.ignoreStream = true;
    const r = await chat(s.url, ask(true));
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].message.content, 'hello from openai');
    assert.equal(s.mistral.received.length, 0);
  });

  it('maps the model for the fallback upstream and the response tells which model answered', async (t) => {
    const s = await setup(t);
    await s.openai.stop();
    const r = await chat(s.url, ask());
    assert.equal(r.status, 200);
    assert.equal(s.mistral.received[0]!.model, 'mistral-small-latest');
    assert.equal(s.mistral.received[0]!.authorization, `Bearer ${MISTRAL_KEY}`);
    assert.equal(r.headers.get('x-vigie-upstream'), 'mistral');
    assert.equal(r.headers.get('x-vigie-model'), 'mistral-small-latest');
    assert.equal(r.json.model, 'mistral-small-latest');
  });

  it('passes /v1/completions and /v1/embeddings through, and lists the routes’ models at /v1/models', async (t) => {
    const s = await setup(t);
    const c = await chat(s.url, { model: 'gpt-3.5-turbo-instruct', prompt: 'say hi' }, {}, '/v1/completions');
    assert.equal(c.status, 200);
    assert.equal(s.openai.received[0]!.path, '/v1/completions');
    const e = await chat(s.url, { model: 'text-embedding-3-small', input: 'hello' }, {}, '/v1/embeddings');
    assert.equal(e.status, 200);
    assert.deepEqual(e.json.data[0].embedding, [0.1, 0.2]);
    const m = await fetch(`${s.url}/v1/models`);
    const list = (await m.json()) as { object: string; data: { id: string }[] };
    assert.equal(list.object, 'list');
    assert.deepEqual(list.data.map((d) => d.id).sort(), ['gpt-3.5-turbo-instruct', 'gpt-4o-mini', 'text-embedding-3-small']);
  });
});

describe('gateway: failures before the first byte go to the next upstream', () => {
  it('connection refused: the fallback answers, and the passive view then avoids the primary', async (t) => {
    const s = await setup(t);
    await s.openai.stop();
    for (let i = 0; i < 3; i++) assert.equal((await chat(s.url, ask(i % 2 === 0))).status, 200);
    assert.equal(s.gw.board.state('openai'), 'down');
    assert.equal(s.mistral.countFor(), 3);
  });

  it('HTTP 500: retried on the fallback; after min_requests failures the primary is no longer tried', async (t) => {
    const s = await setup(t, { health: { cooldown: '1h' } });
    s.openai.mode = '500';
    for (let i = 0; i < 3; i++) assert.equal((await chat(s.url, ask())).status, 200);
    assert.equal(s.openai.countFor(), 3);
    assert.equal(s.gw.board.state('openai'), 'down');
    for (let i = 0; i < 5; i++) assert.equal((await chat(s.url, ask(true))).status, 200);
    assert.equal(s.openai.countFor(), 3, 'a down upstream gets no traffic while another is up');
    assert.equal(s.mistral.countFor(), 8);
  });

  it('a stall before the first token: retried on the fallback after first_token_timeout', async (t) => {
    const s = await setup(t);
    s.openai.mode = 'stall_first';
    const r = await chat(s.url, ask(true));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-vigie-upstream'), 'mistral');
    assert.match(r.text, /mistral-0/);
    assert.doesNotMatch(r.text, /openai/);
  });

  it('SSE comments alone are not a first token', async (t) => {
    const s = await setup(t);
    s.openai.mode = 'comment_then_stall';
    const r = await chat(s.url, ask(true));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-vigie-upstream'), 'mistral');
    assert.doesNotMatch(r.text, /keep-alive/);
  });

  it('a non-streaming request with no answer within response_timeout goes to the fallback', async (t) => {
    const s = await setup(t, { retry: { response_timeout: '1s' } });
    s.openai.mode = 'stall_first';
    const r = await chat(s.url, ask(false));
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].message.content, 'hello from mistral');
  });

  it('no healthy upstream: 503 with an OpenAI-style body naming each failure', async (t) => {
    const s = await setup(t);
    s.openai.mode = '500';
    await s.mistral.stop();
    const r = await chat(s.url, ask());
    assert.equal(r.status, 503);
    assert.equal(r.json.error.type, 'upstream_unavailable');
    assert.equal(r.json.error.code, 'no_healthy_upstream');
    assert.match(r.json.error.message, /openai: http_5xx/);
    assert.match(r.json.error.message, /mistral: connect/);
    assert.equal(r.json.error.param, null);
  });
});

describe('gateway: failures after the first byte are never replayed', () => {
  for (const mode of ['stall_mid', 'drop_mid'] as const) {
    it(`${mode}: the client gets what was sent, then one clean error event, and the stream closes; the fallback is not asked`, async (t) => {
      const s = await setup(t);
      s.openai.mode = mode;
      const r = await chat(s.url, ask(true));
      assert.equal(r.status, 200);
      const events = sseEvents(r.text);
      const last = events[events.length - 1] as { error?: { code: string; type: string; message: string } };
      assert.equal(last.error?.code, 'stream_interrupted');
      assert.equal(last.error?.type, 'upstream_error');
      assert.equal(events.filter((e) => (e as { error?: unknown }).error).length, 1);
      assert.match(r.text, /openai-0 .*openai-1 /s);
      assert.ok(!r.text.includes('[DONE]'));
      assert.equal(s.mistral.received.length, 0, 'never replayed on another upstream');
      assert.equal(s.openai.countFor(), 1, 'never replayed on the same upstream');
      // Every event is whole: the half-written one was closed before the error event.
      for (const e of r.text.split('\n\n').filter((x) => x.startsWith('data:') && !x.includes('"cont'))) assert.doesNotThrow(() => JSON.parse(e.slice(5)));
    });
  }
});

describe('gateway: a plain answer cut mid-body', () => {
  it('is retried on the next upstream: plain answers are read whole before the client gets a byte', async (t) => {
    const s = await setup(t);
    s.openai.mode = 'drop_json';
    const r = await chat(s.url, ask(false));
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].message.content, 'hello from mistral');
    assert.equal(s.openai.countFor(), 1);
    const m = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(m, /vigie_gateway_upstream_errors_total\{route="chat",upstream="openai",kind="connect"\} 1/);
  });
});

describe('gateway: caller errors are the caller’s', () => {
  it('429 with Retry-After is returned as it is and does not mark the provider down', async (t) => {
    const s = await setup(t);
    s.openai.mode = '429';
    for (let i = 0; i < 6; i++) {
      const r = await chat(s.url, ask());
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '7');
      assert.equal(r.json.error.code, 'rate_limit_exceeded');
    }
    assert.equal(s.gw.board.state('openai'), 'up');
    assert.equal(s.mistral.received.length, 0);
  });

  it('on_429: failover sends the request to the next upstream, still without marking the provider down', async (t) => {
    const s = await setup(t, { retry: { on_429: 'failover' } });
    s.openai.mode = '429';
    for (let i = 0; i < 4; i++) assert.equal((await chat(s.url, ask())).status, 200);
    assert.equal(s.gw.board.state('openai'), 'up');
    assert.equal(s.mistral.countFor(), 4);
  });

  it('401 is returned as it is (the body of the upstream) and never marks the provider down', async (t) => {
    const s = await setup(t);
    s.openai.mode = '401';
    for (let i = 0; i < 6; i++) {
      const r = await chat(s.url, ask(i % 2 === 0));
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'invalid_api_key');
    }
    assert.equal(s.gw.board.state('openai'), 'up');
    assert.equal(s.mistral.received.length, 0);
  });
});

describe('gateway: stopping', () => {
  it('stop() does not hang on a stream in progress: it is cut after the grace period', async (t) => {
    const s = await setup(t, { retry: { idle_timeout: '1h' }, stopGraceMs: 200 });
    s.openai.mode = 'stall_mid';
    const res = await request(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask(true)) });
    const it = res.body[Symbol.asyncIterator]();
    assert.match(String((await it.next()).value), /openai-0/);
    await s.gw.stop();
    await assert.rejects(async () => {
      for (let n = await it.next(); !n.done; n = await it.next());
      throw new Error('ended cleanly');
    });
  });
});
