// Conditions in Gatus's style, one per line of YAML:
//
//   [STATUS] == 200              [BODY].status == UP           [RESPONSE_TIME] < 800
//   [CERTIFICATE_EXPIRATION] > 7d                               [BODY].data[0].id == 3
//   len([BODY].items) > 0        has([BODY].errors) == false   [BODY] == pat(*ok*)
//   [STATUS] == any(200, 204)    [CONNECTED] == true           [DNS_RCODE] == NOERROR
//
// Why a hand-written parser: the grammar is one comparison, `operand op operand`, where an
// operand is a placeholder with an optional JSON path, len()/has() around one, pat()/any() on
// the right, or a literal. A generic expression library would accept far more than this (and
// some would evaluate code); a 100-line recursive reader gives exact error messages, knows which
// placeholders a probe kind can fill, and never evaluates anything. Parsed once, at config load
// (errors become config errors with line and column) and cached for the probe.
import { formatDuration, parseDuration } from '../core/duration.js';

export const PLACEHOLDERS = ['STATUS', 'BODY', 'RESPONSE_TIME', 'CERTIFICATE_EXPIRATION', 'CONNECTED', 'IP', 'DNS_RCODE'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Step = string | number;

type Operand =
  | { type: 'placeholder'; name: Placeholder; path: Step[]; text: string }
  | { type: 'len' | 'has'; inner: Extract<Operand, { type: 'placeholder' }>; text: string }
  | { type: 'literal'; value: string; text: string }
  | { type: 'pattern'; glob: RegExp; text: string }
  | { type: 'any'; values: string[]; text: string };

export interface Condition {
  text: string;
  left: Operand;
  op: Op;
  right: Operand;
}

/** What a probe run observed, for the conditions to read. Absent means the kind does not measure it. */
export interface Facts {
  status?: number;
  body?: string;
  responseTimeMs?: number;
  certExpiresInMs?: number;
  connected?: boolean;
  ip?: string;
  dnsRcode?: string;
}

export type ParseResult = { ok: true; condition: Condition } | { ok: false; error: string };

const OPS: Op[] = ['==', '!=', '<=', '>=', '<', '>'];
const TIME: ReadonlySet<Placeholder> = new Set(['RESPONSE_TIME', 'CERTIFICATE_EXPIRATION']);

class ConditionError extends Error {}

/** Parses one condition; `allowed` limits the placeholders to those the monitor's kind fills. */
export function parseCondition(text: string, allowed: readonly Placeholder[] = PLACEHOLDERS): ParseResult {
  try {
    const at = findOperator(text);
    if (!at) throw new ConditionError('needs a comparison: one of ==, !=, <, <=, >, >= (example: [STATUS] == 200)');
    const op = at.op;
    const leftText = text.slice(0, at.index).trim();
    const rightText = text.slice(at.index + op.length).trim();
    if (!leftText) throw new ConditionError(`nothing before "${op}"`);
    if (!rightText) throw new ConditionError(`nothing after "${op}"`);
    const left = operand(leftText, false, allowed);
    const right = operand(rightText, true, allowed);
    if (!mentionsPlaceholder(left) && !mentionsPlaceholder(right))
      throw new ConditionError(`compares two constants; one side must be a placeholder such as [STATUS] or [BODY].field (known: ${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')})`);
    if ((right.type === 'pattern' || right.type === 'any') && op !== '==' && op !== '!=')
      throw new ConditionError(`${right.type === 'pattern' ? 'pat()' : 'any()'} works with == or != only`);
    return { ok: true, condition: { text, left, op, right } };
  } catch (err) {
    if (err instanceof ConditionError) return { ok: false, error: `condition "${text}": ${err.message}` };
    throw err;
  }
}

/** The first comparison operator outside quotes and brackets. */
function findOperator(text: string): { op: Op; index: number } | undefined {
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0) {
      const op = OPS.find((o) => text.startsWith(o, i));
      if (op) return { op, index: i };
    }
  }
  return undefined;
}

function operand(text: string, rightSide: boolean, allowed: readonly Placeholder[]): Operand {
  const call = /^([a-z]+)\((.*)\)$/s.exec(text);
  if (call) {
    const [, fn, inner] = call as unknown as [string, string, string];
    if (fn === 'len' || fn === 'has') {
      const p = operand(inner.trim(), false, allowed);
      if (p.type !== 'placeholder') throw new ConditionError(`${fn}() takes a placeholder, such as ${fn}([BODY].items)`);
      return { type: fn, inner: p, text };
    }
    if (fn === 'pat' || fn === 'any') {
      if (!rightSide) throw new ConditionError(`${fn}() belongs on the right of the comparison`);
      if (fn === 'pat') return { type: 'pattern', glob: globToRegExp(unquote(inner.trim())), text };
      const values = splitArgs(inner).map(unquote);
      if (values.length === 0) throw new ConditionError('any() needs at least one value');
      return { type: 'any', values, text };
    }
    throw new ConditionError(`unknown function ${fn}(); known: len(), has(), pat(), any()`);
  }
  if (text.startsWith('[')) {
    const m = /^\[([A-Z_]+)\]/.exec(text);
    const name = m?.[1];
    if (!m || !(PLACEHOLDERS as readonly string[]).includes(name!))
      throw new ConditionError(`unknown placeholder ${/^\[[^\]]*\]/.exec(text)?.[0] ?? text}; known: ${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')}`);
    const placeholder = name as Placeholder;
    if (!allowed.includes(placeholder)) throw new ConditionError(`[${placeholder}] is not measured by this kind of monitor; it has ${allowed.map((p) => `[${p}]`).join(', ')}`);
    const path = parsePath(text.slice(m[0].length), text);
    if (path.length > 0 && placeholder !== 'BODY') throw new ConditionError(`only [BODY] takes a path (got "${text}")`);
    return { type: 'placeholder', name: placeholder, path, text };
  }
  return { type: 'literal', value: unquote(text), text };
}

/** `.status`, `.data[0].id`, `[2]`: keys and indexes into the JSON body. */
export function parsePath(rest: string, whole = rest): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === '.') {
      const m = /^[^.[\]\s]+/.exec(rest.slice(i + 1));
      if (!m) throw new ConditionError(`a "." must be followed by a key in "${whole}"`);
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (rest[i] === '[') {
      const m = /^\[(\d+)\]/.exec(rest.slice(i));
      if (!m) throw new ConditionError(`"[" must hold an index such as [0] in "${whole}"`);
      steps.push(Number(m[1]));
      i += m[0].length;
    } else throw new ConditionError(`unexpected "${rest.slice(i)}" after the placeholder in "${whole}" (use .key or [index])`);
  }
  return steps;
}

/** A JSON path as monitors write it: "status", "$.status", "data[0].id" or ".data[0]"; throws with a readable message. */
export function parseJsonPath(path: string): Step[] {
  const p = path.replace(/^\$/, '');
  const rest = p === '' || p.startsWith('.') || p.startsWith('[') ? p : `.${p}`;
  try {
    return parsePath(rest, path);
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err));
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const c of s) {
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.filter((x) => x !== '');
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

/** `*` any run of characters, `?` one; the rest literal; the whole value must match. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

function mentionsPlaceholder(o: Operand): boolean {
  return o.type === 'placeholder' || o.type === 'len' || o.type === 'has';
}

// --- evaluation ------------------------------------------------------------------------------

const MISSING = Symbol('missing');
type Value = unknown;

export type Verdict = { ok: true } | { ok: false; message: string };

/** Evaluates one condition; a failure names the condition and the actual value. */
export function evaluate(c: Condition, facts: Facts, json: JsonCache = new JsonCache(facts.body)): Verdict {
  const left = valueOf(c.left, facts, json);
  const right = valueOf(c.right, facts, json);
  const pass = compare(c, left, right);
  if (pass === true) return { ok: true };
  const subject = mentionsPlaceholder(c.left) ? c.left : c.right;
  const actual = subject === c.left ? left : right;
  return { ok: false, message: `condition "${c.text}" failed: ${describe(subject, actual, json)}${typeof pass === 'string' ? ` (${pass})` : ''}` };
}

/** Parses the body as JSON once per run, only if a condition asks for a path. */
export class JsonCache {
  private parsed: { v: unknown } | { error: string } | undefined;
  constructor(private body: string | undefined) {}
  get(): { v: unknown } | { error: string } {
    if (this.parsed) return this.parsed;
    try {
      this.parsed = this.body === undefined ? { error: 'no body' } : { v: JSON.parse(this.body) as unknown };
    } catch {
      this.parsed = { error: 'the body is not JSON' };
    }
    return this.parsed;
  }
}

function valueOf(o: Operand, facts: Facts, json: JsonCache): Value {
  switch (o.type) {
    case 'literal':
    case 'pattern':
    case 'any':
      return o;
    case 'has':
      return valueOf(o.inner, facts, json) !== MISSING;
    case 'len': {
      const v = valueOf(o.inner, facts, json);
      if (o.inner.path.length === 0 && o.inner.name === 'BODY') {
        const j = json.get();
        if ('v' in j && j.v !== null && typeof j.v === 'object') return sizeOf(j.v);
      }
      return v === MISSING ? MISSING : sizeOf(v);
    }
    case 'placeholder':
      return placeholderValue(o, facts, json);
  }
}

function sizeOf(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return String(v).length;
}

function placeholderValue(o: Extract<Operand, { type: 'placeholder' }>, facts: Facts, json: JsonCache): Value {
  const raw: Record<Placeholder, unknown> = {
    STATUS: facts.status,
    BODY: facts.body,
    RESPONSE_TIME: facts.responseTimeMs === undefined ? undefined : Math.round(facts.responseTimeMs),
    CERTIFICATE_EXPIRATION: facts.certExpiresInMs,
    CONNECTED: facts.connected,
    IP: facts.ip,
    DNS_RCODE: facts.dnsRcode,
  };
  if (o.path.length === 0) return raw[o.name] ?? MISSING;
  const j = json.get();
  if (!('v' in j)) return MISSING;
  return walk(j.v, o.path);
}

/** Follows a path into parsed JSON; MISSING when a step is absent. */
export function walk(v: unknown, path: readonly Step[]): unknown {
  let cur: unknown = v;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return MISSING;
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return MISSING;
      cur = cur[step];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, step)) return MISSING;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}

export const isMissing = (v: unknown) => v === MISSING;

/** true, false, or a reason the comparison could not be made. */
function compare(c: Condition, left: Value, right: Value): boolean | string {
  if (left === MISSING || right === MISSING) return false;
  const timeSide = [c.left, c.right].some((o) => o.type === 'placeholder' && TIME.has(o.name));
  const l = isOperand(left, 'literal') ? left.value : left;
  if (isOperand(right, 'pattern') || isOperand(right, 'any')) {
    const hit = isOperand(right, 'pattern') ? right.glob.test(plain(l)) : right.values.some((v) => equal(l, v, timeSide));
    return c.op === '==' ? hit : !hit;
  }
  const r = isOperand(right, 'literal') ? right.value : right;
  if (c.op === '==') return equal(l, r, timeSide);
  if (c.op === '!=') return !equal(l, r, timeSide);
  const a = toNumber(l, timeSide);
  const b = toNumber(r, timeSide);
  if (a === undefined || b === undefined) return 'not a number';
  switch (c.op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function isOperand<T extends Operand['type']>(v: unknown, type: T): v is Extract<Operand, { type: T }> {
  return v !== null && typeof v === 'object' && (v as { type?: unknown }).type === type && 'text' in v;
}

function equal(a: unknown, b: unknown, timeSide: boolean): boolean {
  const x = toNumber(a, timeSide);
  const y = toNumber(b, timeSide);
  if (x !== undefined && y !== undefined) return x === y;
  return plain(a) === plain(b);
}

function toNumber(v: unknown, durations: boolean): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return durations ? parseDuration(v) : undefined;
}

function plain(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === MISSING) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function describe(o: Operand, v: Value, json: JsonCache): string {
  const label = o.text;
  if (v === MISSING) {
    if (o.type === 'placeholder' && o.path.length > 0) {
      const j = json.get();
      if ('error' in j) return `${label} cannot be read: ${j.error}`;
    }
    return `${label} is missing`;
  }
  if (o.type === 'placeholder' && o.name === 'CERTIFICATE_EXPIRATION' && typeof v === 'number') return `${label} is ${v <= 0 ? 'past' : formatDuration(v)}`;
  if (o.type === 'placeholder' && o.name === 'RESPONSE_TIME') return `${label} is ${String(v)} ms`;
  const shown = typeof v === 'string' ? JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v) : plain(v).slice(0, 80);
  return `${label} is ${shown}`;
}

// --- helpers for probes ----------------------------------------------------------------------

const cache = new Map<string, Condition>();

/** Parsed conditions for a monitor (parsed once per text); a condition that no longer parses throws (config load already refused it). */
export function compile(texts: readonly string[] = []): Condition[] {
  return texts.map((t) => {
    let c = cache.get(t);
    if (!c) {
      const r = parseCondition(t);
      if (!r.ok) throw new Error(r.error);
      c = r.condition;
      if (cache.size > 10_000) cache.clear();
      cache.set(t, c);
    }
    return c;
  });
}

/** The first failing condition's message, or undefined when all hold. */
export function firstFailure(texts: readonly string[] | undefined, facts: Facts): string | undefined {
  if (!texts || texts.length === 0) return undefined;
  const json = new JsonCache(facts.body);
  for (const c of compile(texts)) {
    const v = evaluate(c, facts, json);
    if (!v.ok) return v.message;
  }
  return undefined;
}

/** Whether any of the conditions reads this placeholder (the dns probe leaves rcode checks to them when one does). */
export function mentions(texts: readonly string[] | undefined, name: Placeholder): boolean {
  return (texts ?? []).some((t) => t.includes(`[${name}]`));
}
