// LLM probe against a fake OpenAI-compatible server on 127.0.0.1: plain and streamed answers,
// empty answers, API errors and garbage.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { LlmTarget } from '../src/config/schema.js';
import type { ProbeResult } from '../src/core/observation.js';
import { llmProbe } from '../src/probes/llm.js';
import { startHttp } from './helpers/servers.js';

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}

interface Seen {
  auth?: string | undefined;
  body: { model: string; messages: { role: string; content: string }[]; max_tokens: number; stream: boolean };
}

/** A fake /v1/chat/completions whose behaviour is chosen by the model name. */
async function fakeOpenAI(seen: Seen[]) {
  return startHttp((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ auth: req.headers.authorization, body });
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      switch (body.model) {
        case 'good':
          return json(200, { id: 'x', choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }] });
        case 'empty':
          return json(200, { choices: [{ index: 0, message: { role: 'assistant', content: '' } }] });
        case 'limited':
          return json(429, { error: { message: 'Rate limit reached for requests', type: 'requests' } });
        case 'html':
          return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway</html>');
        case 'stream': {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\n\n`);
          const timer = setTimeout(() => {
            res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'po' } }] })}\n\n`);
            res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'ng' } }] })}\n\ndata: [DONE]\n\n`);
            res.end();
          }, 80);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'stream-empty':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          return res.end(`data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\n\ndata: [DONE]\n\n`);
        default:
          return json(404, { error: { message: `model ${body.model} not found` } });
      }
    });
  });
}

const llm = (url: string, model: string, extra: Partial<LlmTarget> = {}): LlmTarget => ({
  url: `${url}/v1/chat/completions`,
  model,
  headers: {},
  prompt: 'Reply with the single word: pong',
  stream: false,
  maxTokens: 16,
  ...extra,
});

test('llm: a real answer passes; the request is a tiny chat completion with the key', async (t) => {
  const seen: Seen[] = [];
  const srv = await fakeOpenAI(seen);
  t.after(() => srv.close());
  const r = await llmProbe(llm(srv.origin, 'good', { apiKey: 'sk-test', expect: 'PONG' }), { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.details?.answer, 'pong');
  assert.equal(seen[0]?.auth, 'Bearer sk-test');
  assert.deepEqual(seen[0]?.body.messages, [{ role: 'user', content: 'Reply with the single word: pong' }]);
  assert.equal(seen[0]?.body.max_tokens, 16);
  assertFail(await llmProbe(llm(srv.origin, 'good', { expect: 'banana' }), { timeoutMs: 5000 }), 'assertion', /does not contain "banana"/);
});

test('llm: a 200 without an answer is an assertion; API errors and garbage are classified', async (t) => {
  const srv = await fakeOpenAI([]);
  t.after(() => srv.close());
  assertFail(await llmProbe(llm(srv.origin, 'empty'), { timeoutMs: 5000 }), 'assertion', /^no answer: choices\[0\]\.message\.content is ""$/);
  assertFail(await llmProbe(llm(srv.origin, 'limited'), { timeoutMs: 5000 }), 'http_status', /^HTTP 429 Too Many Requests: Rate limit reached for requests$/);
  assertFail(await llmProbe(llm(srv.origin, 'html'), { timeoutMs: 5000 }), 'protocol', /^response is not JSON/);
});

test('llm: streaming collects the deltas and measures time to first token', async (t) => {
  const srv = await fakeOpenAI([]);
  t.after(() => srv.close());
  const r = await llmProbe(llm(srv.origin, 'stream', { stream: true }), { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.details?.answer, 'pong');
  const ttft = r.details?.firstTokenMs;
  assert.ok(ttft !== undefined && r.phases.firstByteMs !== undefined && ttft >= r.phases.firstByteMs && ttft <= r.phases.totalMs, JSON.stringify(r));
  assertFail(await llmProbe(llm(srv.origin, 'stream-empty', { stream: true }), { timeoutMs: 5000 }), 'assertion', /^no answer: 2 streamed events carried no content$/);
});
