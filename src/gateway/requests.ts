// What a client must send: just enough checked to route the request (the model) and to know how to
// relay it (stream or not). Everything else passes through untouched for the provider to judge.
import { z } from 'zod';
import { type ApiErrorBody, apiError } from './errors.js';
import type { Endpoint } from './upstream.js';

const model = z.string({ error: 'you must provide a model parameter' }).min(1, 'you must provide a model parameter');
const stream = z.boolean({ error: 'must be a boolean' }).optional();

const schemas: Record<Endpoint, z.ZodType<{ model: string; stream?: boolean | undefined }>> = {
  'chat/completions': z.looseObject({
    model,
    messages: z.array(z.looseObject({ role: z.string({ error: 'each message needs a role' }) }), { error: 'must be an array of messages' }).min(1, 'must hold at least one message'),
    stream,
  }),
  completions: z.looseObject({
    model,
    prompt: z.union([z.string(), z.array(z.unknown())], { error: 'must be a string or an array' }).optional(),
    stream,
  }),
  embeddings: z.looseObject({
    model,
    input: z.union([z.string(), z.array(z.unknown()).min(1, 'must not be empty')], { error: 'must be a string or an array' }),
    // Embeddings never stream.
    stream: z.literal(false, { error: 'embeddings do not stream' }).optional(),
  }),
};

export type ParsedRequest = { ok: true; body: Record<string, unknown>; model: string; stream: boolean } | { ok: false; error: ApiErrorBody };

export function parseClientBody(endpoint: Endpoint, raw: Buffer): ParsedRequest {
  if (raw.length === 0) return bad('We could not parse the JSON body of your request: the body is empty.', null);
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return bad(`We could not parse the JSON body of your request: ${err instanceof Error ? err.message : 'invalid JSON'}.`, null);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('The request body must be a JSON object.', null);
  // The usual well-formed request is recognised without zod; anything else gets zod's precise message.
  const d = doc as { model?: unknown; stream?: unknown };
  if (plainlyValid(endpoint, doc as Record<string, unknown>)) return { ok: true, body: doc as Record<string, unknown>, model: d.model as string, stream: d.stream === true };
  const r = schemas[endpoint].safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const param = paramPath(issue.path);
    return bad(`Invalid value for '${param}': ${issue.message}.`, param);
  }
  return { ok: true, body: doc as Record<string, unknown>, model: r.data.model, stream: r.data.stream === true };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the schemas above accept, checked by hand (true only when they would accept it). */
function plainlyValid(endpoint: Endpoint, d: Record<string, unknown>): boolean {
  if (typeof d.model !== 'string' || d.model.length === 0) return false;
  switch (endpoint) {
    case 'chat/completions': {
      if (d.stream !== undefined && typeof d.stream !== 'boolean') return false;
      const m = d.messages;
      if (!Array.isArray(m) || m.length === 0) return false;
      for (const x of m) if (!isObject(x) || typeof x.role !== 'string') return false;
      return true;
    }
    case 'completions':
      return (d.stream === undefined || typeof d.stream === 'boolean') && (d.prompt === undefined || typeof d.prompt === 'string' || Array.isArray(d.prompt));
    case 'embeddings':
      return (d.stream === undefined || d.stream === false) && (typeof d.input === 'string' || (Array.isArray(d.input) && d.input.length > 0));
  }
}

function bad(message: string, param: string | null): ParsedRequest {
  return { ok: false, error: apiError(message, 'invalid_request_error', null, param) };
}

/** ['messages', 0, 'role'] -> messages[0].role, as OpenAI names params. */
function paramPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || 'body';
}
