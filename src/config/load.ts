// Reading vigie.yaml: YAML -> ${VAR} substitution -> schema, with every problem reported as
// file:line:column: path: message. Never throws, never prints a stack trace: a person reads these.
//
// Steps:
//  1. parse with `yaml` (one document, ranges kept, duplicate keys are errors, `<<` merge keys allowed);
//     syntax errors stop here, since the tree behind them is a guess.
//  2. substitute ${VAR} in string values, on the parsed nodes (see interpolate.ts), so positions hold.
//  3. validate doc.toJS() with configSchema and map each zod issue's path back to its YAML node
//     (or the nearest node that exists: a missing key points at the map that should hold it).
// A value that is exactly one reference (`port: ${PORT}`) stays a string unless the schema wants a
// number (or boolean) there and the text reads as one; then it is converted and validation re-run.
// So `Authorization: ${TOKEN}` keeps a numeric token as text, and `port: ${PORT}` works.
import { readFile } from 'node:fs/promises';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar, type YAMLError } from 'yaml';
import { configSchema, duration, type VigieConfig } from './schema.js';
import { dedupeConfigErrors, formatConfigError, formatPath, sortConfigErrors, suggestKey, type ConfigError } from './errors.js';
import { interpolateDocument, keySegment, type DocumentInterpolation, type PathSegment } from './interpolate.js';
import { MAX_FLOW_DEPTH, tooDeep } from './nesting.js';

export type { ConfigError } from './errors.js';
export { formatConfigError } from './errors.js';

export type LoadResult = { ok: true; config: VigieConfig } | { ok: false; errors: ConfigError[] };
type Env = Record<string, string | undefined>;

/** Read and check a config file. An unreadable file is an ok:false result with a line-0 error, never an exception. */
export async function loadConfigFile(file: string, env: Env = process.env): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ file, line: 0, column: 0, path: '', message: readProblem(err) }] };
  }
  return parseConfigText(text, file, env);
}

function readProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: cannot read the file';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'file not found (a part of the path is not a directory)';
    default: {
      const msg = err instanceof Error ? err.message : String(err);
      return `cannot read the file (${typeof code === 'string' ? `${code}: ` : ''}${msg})`;
    }
  }
}

/** Parse and check config text. `file` is only used in the errors. env defaults to process.env. */
export function parseConfigText(text: string, file: string, env: Env = process.env): LoadResult {
  try {
    return new ConfigReader(String(text), file, env ?? {}).read();
  } catch (err) {
    // Not expected: every known failure is reported above. Still no stack trace for the reader.
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file, line: 0, column: 0, path: '', message: `cannot read the configuration: ${msg}` }] };
  }
}

// ---------------------------------------------------------------------------------------------

/** The parts of a zod v4 issue we read; zod's own types are a union too wide to be useful here. */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
  format?: string;
  pattern?: string;
  errors?: Issue[][];
}

interface Position {
  line: number;
  column: number;
}

interface Located {
  /** The node at the path, or the nearest ancestor that exists. */
  node: Node | null;
  /** The key node of the pair holding `node`, if any (used when the value is empty). */
  key: Node | null;
  /** How many path segments were resolved. */
  depth: number;
}

const MAX_COERCION_ROUNDS = 3;
/** yaml's guard against alias bombs ("billion laughs"): roughly alias uses x nodes behind each. Its default, 100,
 *  refuses an ordinary file where a few hundred monitors merge one `<<: *base`; this still stops the bomb. */
const MAX_ALIAS_COUNT = 10_000;

class ConfigReader {
  private readonly lines = new LineCounter();
  private doc!: Document.Parsed;
  private interp!: DocumentInterpolation;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly env: Env,
  ) {}

  read(): LoadResult {
    const deep = tooDeep(this.text);
    if (deep) return { ok: false, errors: [{ file: this.file, line: deep.line, column: deep.column, path: '', message: `lists and maps are nested more than ${MAX_FLOW_DEPTH} levels deep here; a configuration never needs that` }] };
    this.doc = parseDocument(this.text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, merge: true, logLevel: 'error' });
    if (this.doc.errors.length > 0) return this.fail(this.doc.errors.map((e) => this.yamlError(e)));

    // A file of only comments (or just "---") has no contents, or a null scalar: an empty map, all defaults.
    const top = isScalar(this.doc.contents) && this.doc.contents.value === null ? null : this.doc.contents;
    if (top !== null && !isMap(top)) {
      return this.fail([this.at(top, '', `the top level must be a map of settings (site, store, defaults, services), but this file holds ${describeNode(top)}`)]);
    }

    const badKeys = this.collectionKeys();
    if (badKeys.length > 0) return this.fail(badKeys);

    this.interp = interpolateDocument(this.doc, this.env);
    const errors: ConfigError[] = this.interp.problems.map((p) => this.at(p.node, formatPath(p.path), p.message));
    const failedPaths = this.interp.problems.map((p) => p.path);

    let data: unknown;
    for (let round = 0; ; round++) {
      const js = top === null ? { value: {} } : this.toJS();
      if ('problem' in js) return this.fail([...errors, this.at(top, '', js.problem)]);
      data = js.value;
      const parsed = configSchema.safeParse(data ?? {});
      if (parsed.success) {
        if (errors.length > 0) return this.fail(errors);
        return { ok: true, config: parsed.data };
      }
      const issues = parsed.error.issues as unknown as Issue[];
      if (round < MAX_COERCION_ROUNDS && this.coerce(issues)) continue;
      for (const issue of issues) {
        for (const e of this.issueErrors(issue, data)) {
          // A value whose ${VAR} failed is already reported; what the schema says about the leftover is noise.
          if (failedPaths.some((p) => startsWith(e.rawPath, p))) continue;
          errors.push(e.error);
        }
      }
      return this.fail(errors);
    }
  }

  private fail(errors: ConfigError[]): LoadResult {
    return { ok: false, errors: dedupeConfigErrors(sortConfigErrors(errors)) };
  }

  private toJS(): { value: unknown } | { problem: string } {
    try {
      return { value: this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (err) {
      // yaml refuses alias bombs ("billion laughs") here.
      const msg = err instanceof Error ? err.message : String(err);
      return { problem: /alias/i.test(msg) ? `cannot expand the file's aliases: ${msg}` : `cannot read the YAML: ${msg}` };
    }
  }

  // --- positions -----------------------------------------------------------------------------

  private pos(offset: number | undefined): Position {
    if (offset === undefined || !Number.isFinite(offset) || offset < 0) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(Math.min(offset, this.text.length));
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  private nodePos(node: unknown): Position {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return this.pos(range?.[0]);
  }

  private at(node: unknown, path: string, message: string): ConfigError {
    return { file: this.file, ...this.nodePos(node), path, message };
  }

  private yamlError(e: YAMLError): ConfigError {
    const { line, column } = this.pos(e.pos?.[0]);
    const base = { file: this.file, line, column };
    if (e.code === 'DUPLICATE_KEY') {
      const dup = this.findKeyAt(e.pos[0]);
      if (dup) {
        const first = dup.first ? ` (first defined on line ${this.nodePos(dup.first).line})` : '';
        return { ...base, path: formatPath(dup.path), message: `duplicate key "${dup.name}"${first}` };
      }
      return { ...base, path: '', message: 'duplicate key' };
    }
    if (e.code === 'MULTIPLE_DOCS') return { ...base, path: '', message: 'the file holds more than one YAML document ("---"); Vigie reads exactly one' };
    return { ...base, path: '', message: `invalid YAML: ${e.message}` };
  }

  /** `? [a, b]: x` or `{a: 1}: x` is valid YAML but means nothing in a config (JS would stringify the key). */
  private collectionKeys(): ConfigError[] {
    const out: ConfigError[] = [];
    const walk = (node: unknown, path: PathSegment[], depth: number): void => {
      if (depth > 500) return;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isMap(pair.key) || isSeq(pair.key)) {
            out.push(this.at(pair.key, formatPath(path), `a key must be plain text, not ${isMap(pair.key) ? 'a map' : 'a list'}`));
          } else walk(pair.value, [...path, keySegment(pair.key)], depth + 1);
        }
      } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i], depth + 1));
    };
    walk(this.doc.contents, [], 0);
    return out;
  }

  /** The pair whose key starts at `offset`, its path, and the earlier key with the same name. */
  private findKeyAt(offset: number): { path: PathSegment[]; name: string; first: Node | null } | undefined {
    const search = (node: unknown, path: PathSegment[], depth: number): ReturnType<ConfigReader['findKeyAt']> => {
      if (depth > 200) return undefined;
      if (isMap(node)) {
        for (const pair of node.items) {
          const name = keySegment(pair.key);
          if ((pair.key as Node | null)?.range?.[0] === offset) {
            const first = node.items.find((p) => p !== pair && keySegment(p.key) === name)?.key as Node | undefined;
            return { path: [...path, name], name, first: first ?? null };
          }
          const found = search(pair.value, [...path, name], depth + 1);
          if (found) return found;
        }
      } else if (isSeq(node)) {
        for (let i = 0; i < node.items.length; i++) {
          const found = search(node.items[i], [...path, i], depth + 1);
          if (found) return found;
        }
      }
      return undefined;
    };
    return search(this.doc.contents, [], 0);
  }

  /** Follow a zod path through the YAML tree, through aliases and `<<` merges; stop at the last node that exists. */
  private locate(path: readonly PropertyKey[]): Located {
    let node: unknown = this.doc.contents;
    let key: Node | null = null;
    let depth = 0;
    for (const seg of path) {
      node = this.resolveAlias(node);
      let next: { value: unknown; key: Node | null } | undefined;
      if (isMap(node)) {
        const pair = this.findPair(node, String(seg), 0);
        if (pair) next = { value: pair.value, key: pair.key as Node | null };
      } else if (isSeq(node) && typeof seg === 'number') {
        if (seg >= 0 && seg < node.items.length) next = { value: node.items[seg], key: null };
      }
      if (!next) break;
      // `name:` with nothing after it: the value node is null or an empty scalar placed on the next
      // line, so the key is the honest position.
      // (A list item `-` with nothing after it gets an empty scalar on its own line: that one is kept.)
      if (next.value === null || next.value === undefined || (next.key && isEmptyScalar(next.value))) {
        return { node: null, key: next.key, depth: depth + 1 };
      }
      node = next.value;
      key = next.key;
      depth++;
    }
    return { node: (node as Node | null) ?? null, key, depth };
  }

  private findPair(map: unknown, name: string, depth: number): { key: unknown; value: unknown } | undefined {
    if (!isMap(map) || depth > 20) return undefined;
    const own = map.items.find((p) => keySegment(p.key) === name && !isMergeKey(p.key));
    if (own) return own;
    // Keys brought in by `<<: *anchor` (or a list of them), nearest first, as YAML merges them.
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      const value = this.resolveAlias(pair.value);
      const sources = isSeq(value) ? value.items.map((i) => this.resolveAlias(i)) : [value];
      for (const src of sources) {
        const found = this.findPair(src, name, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  private resolveAlias(node: unknown): unknown {
    for (let i = 0; i < 20 && isAlias(node); i++) node = node.resolve(this.doc);
    return node;
  }

  private locatePos(path: readonly PropertyKey[]): Position {
    const found = this.locate(path);
    return this.nodePos(found.node ?? found.key ?? this.doc.contents);
  }

  // --- ${VAR} to number, where the schema wants a number --------------------------------------

  /** True when some single-reference value was converted, so validation must run again. */
  private coerce(issues: Issue[]): boolean {
    let changed = false;
    const visit = (issue: Issue, base: PropertyKey[]) => {
      const path = [...base, ...issue.path];
      if (issue.code === 'invalid_union') {
        for (const branch of issue.errors ?? []) for (const sub of branch) visit(sub, path);
        return;
      }
      if (issue.code !== 'invalid_type') return;
      const { node, depth } = this.locate(path);
      if (depth !== path.length || !isScalar(node) || !this.interp.single.has(node as Scalar) || typeof node.value !== 'string') return;
      const text = node.value.trim();
      if ((issue.expected === 'number' || issue.expected === 'int') && /^[+-]?\d+(\.\d+)?$/.test(text)) {
        node.value = Number(text);
        changed = true;
      } else if (issue.expected === 'boolean' && /^(true|false)$/i.test(text)) {
        node.value = text.toLowerCase() === 'true';
        changed = true;
      }
    };
    for (const issue of issues) visit(issue, []);
    return changed;
  }

  // --- zod issues to messages ------------------------------------------------------------------

  private issueErrors(issue: Issue, data: unknown, base: PropertyKey[] = []): Array<{ rawPath: PropertyKey[]; error: ConfigError }> {
    const path = [...base, ...issue.path];

    if (issue.code === 'invalid_union') {
      // Report the branch that got furthest (e.g. expected_status: [700] is a list with a bad number,
      // not "a number or a list"); when every branch failed on the type alone, list the types.
      const branches = issue.errors ?? [];
      const deeper = branches.find((b) => b.some((i) => !(i.code === 'invalid_type' && i.path.length === 0)));
      if (deeper) return deeper.flatMap((i) => this.issueErrors(i, data, path));
      const expected = [...new Set(branches.flatMap((b) => b.map((i) => i.expected).filter((x): x is string => !!x)))];
      if (expected.length > 0) return this.issueErrors({ code: 'invalid_type', path: [], message: issue.message, expected: expected.join('|') }, data, path);
    }

    if (issue.code === 'unrecognized_keys') {
      const { node } = this.locate(path);
      const known = knownKeys(path, data);
      return (issue.keys ?? []).map((k) => {
        const rawPath = [...path, k];
        const pair = this.findPair(this.resolveAlias(node), k, 0);
        const hint = known ? suggestKey(k, known) : undefined;
        const message = `unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : known ? ` (expected one of: ${known.join(', ')})` : ''}`;
        const where = (pair?.key as Node | null | undefined) ?? node ?? this.doc.contents;
        return { rawPath, error: { file: this.file, ...this.nodePos(where), path: formatPath(rawPath), message } };
      });
    }

    const value = valueAt(data, path);
    const message = this.describeIssue(issue, path, value);
    return [{ rawPath: path, error: { file: this.file, ...this.locatePos(path), path: formatPath(path), message } }];
  }

  private describeIssue(issue: Issue, path: PropertyKey[], value: unknown): string {
    const got = this.describeValue(path, value);
    switch (issue.code) {
      case 'invalid_type': {
        const isDuration = schemaAt(path) === DURATION_INPUT;
        const expected = isDuration ? 'a duration such as 30s or 5m' : (issue.expected ?? '').split('|').map(typeName).join(' or ');
        if (value === undefined) return `missing required key "${String(path[path.length - 1] ?? '')}"`;
        if (value === null) return `is empty; expected ${expected}`;
        const quoteHint = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ` (put it in quotes: "${String(value)}")` : '';
        return `expected ${expected}, got ${got}${quoteHint}`;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const limit = Number(small ? issue.minimum : issue.maximum);
        if (issue.origin === 'string') {
          if (small && limit === 1) return 'must not be empty';
          return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
        }
        if (issue.origin === 'array' || issue.origin === 'set') {
          if (small && limit === 1) return 'must have at least one entry';
          return `must have ${small ? 'at least' : 'at most'} ${limit} entries`;
        }
        const bound = issue.inclusive === false ? (small ? 'more than' : 'less than') : small ? 'at least' : 'at most';
        return `must be ${bound} ${limit}, got ${got}`;
      }
      case 'invalid_value': {
        const values = issue.values ?? [];
        const shown = values.map((v) => JSON.stringify(v)).join(', ');
        const near = typeof value === 'string' ? values.find((v) => typeof v === 'string' && v.toLowerCase() === value.toLowerCase()) : undefined;
        const hint = near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : '';
        return values.length === 1 ? `must be ${shown}, got ${got}${hint}` : `must be one of ${shown}; got ${got}${hint}`;
      }
      case 'invalid_format': {
        if (issue.format === 'url' && /^Invalid URL/.test(issue.message)) return `must be a URL such as https://example.com, got ${got}`;
        if (issue.format === 'regex' && /^Invalid string/.test(issue.message)) return `must match ${issue.pattern ?? 'the expected pattern'}, got ${got}`;
        return `${issue.message}, got ${got}`;
      }
      default:
        return issue.message;
    }
  }

  /** A value for a message. Values that came from ${VAR} are shown as written, so secrets stay out of logs. */
  private describeValue(path: PropertyKey[], value: unknown): string {
    const { node, depth } = this.locate(path);
    if (depth === path.length && isScalar(node)) {
      const written = this.interp.substituted.get(node as Scalar);
      if (written !== undefined) return `${JSON.stringify(written)} (after substitution)`;
    }
    return describeValue(value);
  }
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'));
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data ?? {};
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function typeName(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a map (key: value lines)';
    default:
      return expected;
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  if (v instanceof Date) return `a date (${v.toISOString()})`;
  if (typeof v === 'object') return 'a map';
  return typeof v;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (isScalar(node)) {
    if (typeof node.value === 'string') return `the text ${describeValue(node.value)}`;
    return describeValue(node.value);
  }
  return 'something else';
}

// --- the schema's known keys, for "did you mean" ---------------------------------------------

/** Minimal view of zod v4 internals: every schema carries its definition in `_zod.def`. */
interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  valueType?: unknown;
}
function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | null)?._zod?.def;
}
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'lazy']);
function unwrap(schema: unknown): unknown {
  for (let i = 0; i < 20; i++) {
    const def = defOf(schema);
    if (def?.type && WRAPPERS.has(def.type) && def.innerType) schema = def.innerType;
    else if (def?.type === 'pipe' && def.in) schema = def.in;
    else break;
  }
  return schema;
}

/** The schema for the value at `path`, wrappers (optional, default, ...) removed; undefined past a union. */
function schemaAt(path: readonly PropertyKey[], data?: unknown): unknown {
  let schema: unknown = configSchema;
  for (const [i, seg] of path.entries()) {
    const def = defOf(unwrap(pickOption(schema, data, path.slice(0, i))));
    if (def?.type === 'object' && def.shape) schema = def.shape[String(seg)];
    else if (def?.type === 'array') schema = def.element;
    else if (def?.type === 'record') schema = def.valueType;
    else return undefined;
  }
  return unwrap(pickOption(schema, data, path));
}

/** In a discriminated union (monitors by `type`), the option the value at `at` selects (no value: the option that takes none). */
function pickOption(schema: unknown, data: unknown, at: readonly PropertyKey[]): unknown {
  const def = defOf(unwrap(schema)) as (SchemaDef & { discriminator?: string; options?: unknown[] }) | undefined;
  if (def?.type !== 'union' || !def.discriminator || !def.options) return schema;
  const tag = (valueAt(data, at) as Record<string, unknown> | null | undefined)?.[def.discriminator];
  const values = (o: unknown) => (o as { _zod?: { propValues?: Record<string, Set<unknown>> } })._zod?.propValues?.[def.discriminator!];
  return def.options.find((o) => values(o)?.has(tag)) ?? schema;
}

/** The keys the schema allows for the object at `path`, if it is an object there. */
export function knownKeys(path: readonly PropertyKey[], data?: unknown): string[] | undefined {
  const def = defOf(schemaAt(path, data));
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

const DURATION_INPUT = unwrap(duration);

/** For callers that only want text: one line per error, in file order. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map(formatConfigError).join('\n');
}
