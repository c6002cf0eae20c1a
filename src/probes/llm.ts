// LLM probe: an OpenAI-compatible POST /v1/chat/completions with a tiny prompt, over the same
// one-shot HTTP request as the http probe (timed phases, capped body). A 200 is not enough: a
// real answer must come back, non-empty choices[0].message.content, or, when streaming,
// content in the `data:` deltas, whose first one gives the time to first token.
//   non-2xx -> 'http_status' with the API's own error message; not JSON / not SSE -> 'protocol';
//   an empty answer, an error object, or an answer missing `expect` -> 'assertion'.
import { STATUS_CODES } from 'node:http';
import type { LlmTarget } from '../config/schema.js';
import { httpOnce } from './http-request.js';
import { type Run, fail, round, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';

export const llmProbe: Probe<LlmTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, t: LlmTarget, ctx: ProbeContext) {
  let url: URL;
  try {
    url = new URL(t.url);
  } catch {
    return fail('protocol', `invalid URL "${t.url}"`);
  }
  const body = JSON.stringify({ model: t.model, messages: [{ role: 'user', content: t.prompt }], max_tokens: t.maxTokens, temperature: 0, stream: t.stream });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: t.stream ? 'text/event-stream' : 'application/json',
    ...(t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}),
    ...t.headers,
  };
  const stream = t.stream ? new SseAnswer() : undefined;
  const res = await httpOnce(run, {
    url,
    method: 'POST',
    headers,
    body,
    lookup: ctx.lookup,
    onChunk: stream
      ? (chunk, msSinceSent) => {
          if (stream.push(chunk) && run.details.firstTokenMs === undefined) run.details.firstTokenMs = round(msSinceSent);
        }
      : undefined,
  });
  const text = res.body.toString('utf8');
  if (res.statusCode < 200 || res.statusCode > 299)
    return fail('http_status', `HTTP ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd() + `${apiError(text) ? `: ${apiError(text)}` : ''}`);

  let answer: string;
  if (stream) {
    stream.end();
    if (stream.error) return fail('assertion', `the stream carried an error: ${stream.error}`);
    if (stream.events === 0) return fail('protocol', `expected a text/event-stream of "data:" events, got ${JSON.stringify(text.slice(0, 80))}`);
    answer = stream.content;
    if (!answer.trim()) return fail('assertion', `no answer: ${stream.events} streamed events carried no content`);
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return fail('protocol', `response is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const err = apiError(text);
    if (err) return fail('assertion', `the API answered with an error: ${err}`);
    const content = (doc as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || !content.trim()) return fail('assertion', `no answer: choices[0].message.content is ${content === undefined ? 'missing' : JSON.stringify(content)}`);
    answer = content;
  }
  run.details.answer = answer.length > 200 ? `${answer.slice(0, 197)}...` : answer;
  if (t.expect !== undefined && !answer.toLowerCase().includes(t.expect.toLowerCase()))
    return fail('assertion', `the answer does not contain ${JSON.stringify(t.expect)}: ${JSON.stringify(run.details.answer)}`);
  return undefined;
}

/** The message of an OpenAI-style error body ({"error": {"message": ...}}), if it is one. */
function apiError(text: string): string | undefined {
  try {
    const e = (JSON.parse(text) as { error?: unknown } | null)?.error;
    if (typeof e === 'string') return e;
    const m = (e as { message?: unknown } | null | undefined)?.message;
    return typeof m === 'string' ? m : e !== undefined && e !== null ? JSON.stringify(e) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads server-sent events as they arrive, collecting choices[0].delta.content. */
class SseAnswer {
  private pending = '';
  content = '';
  events = 0;
  error: string | undefined;

  /** Feeds a chunk; true when it brought the first content. */
  push(chunk: Buffer): boolean {
    const before = this.content.length;
    this.pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      this.line(this.pending.slice(0, nl).replace(/\r$/, ''));
      this.pending = this.pending.slice(nl + 1);
    }
    return before === 0 && this.content.length > 0;
  }

  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = '';
  }

  private line(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    this.events++;
    if (data === '[DONE]') return;
    try {
      const doc = JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[]; error?: { message?: unknown } };
      if (doc.error) this.error ??= typeof doc.error.message === 'string' ? doc.error.message : JSON.stringify(doc.error);
      const c = doc.choices?.[0]?.delta?.content;
      if (typeof c === 'string') this.content += c;
    } catch {
      // a malformed event carries no content; an answer-less stream fails below
    }
  }
}
