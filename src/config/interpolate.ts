// ${VAR} substitution in config values, so secrets live in the environment, not in the file.
//
// Syntax, inside any string value (never in keys):
//   ${NAME}            the variable's value; an error if it is not set (set but empty is fine: "")
//   ${NAME:-default}   the default when NAME is unset or empty (as in sh)
//   ${NAME-default}    the default only when NAME is unset
//   $${                a literal "${" (so "$${HOME}" stays "${HOME}")
// NAME is letters, digits and "_", not starting with a digit. A "$" not followed by "{" is just a "$".
// The default runs to the first "}" and is taken literally (no nesting).
//
// It works on the parsed YAML document's scalar nodes, so every node keeps its source range
// and errors still point at the right line. The result is always a string; load.ts turns a
// value that is exactly one reference (`port: ${PORT}`) into a number only where the schema
// asks for one.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';

export interface Interpolated {
  value: string;
  /** Problems, as messages: unset variables, malformed references. */
  problems: string[];
  /** True when the text held at least one ${...} reference. */
  substituted: boolean;
  /** True when the whole text was exactly one ${...} reference (no other characters). */
  single: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolate(text: string, env: Record<string, string | undefined>): Interpolated {
  if (!text.includes('$')) return { value: text, problems: [], substituted: false, single: false };
  let out = '';
  const problems: string[] = [];
  let refs = 0;
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close < 0) {
      problems.push('unterminated "${" (close it with "}", or write "$${" for a literal "${")');
      out += text.slice(dollar);
      break;
    }
    refs++;
    const inner = text.slice(dollar + 2, close);
    i = close + 1;
    const m = /^([^:-]*)(?:(:-|-)([\s\S]*))?$/.exec(inner);
    const name = m?.[1] ?? inner;
    if (!m || !NAME.test(name)) {
      problems.push(`"\${${inner}}" is not a valid variable reference (use \${NAME} or \${NAME:-default}; "$\${" for a literal "\${")`);
      continue;
    }
    const op = m[2];
    const fallback = m[3] ?? '';
    const value = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
    if (op === ':-') out += value === undefined || value === '' ? fallback : value;
    else if (op === '-') out += value === undefined ? fallback : value;
    else if (value === undefined) problems.push(`environment variable ${name} is not set (set it, or give a default: \${${name}:-default})`);
    else out += value;
  }
  const single = refs === 1 && /^\$\{[^}]*\}$/.test(text);
  return { value: out, problems, substituted: refs > 0, single };
}

export type PathSegment = string | number;

export interface InterpolationProblem {
  node: Scalar;
  path: PathSegment[];
  message: string;
}

export interface DocumentInterpolation {
  problems: InterpolationProblem[];
  /** Scalars whose text held a reference, with the text as written (for messages that must not echo secrets). */
  substituted: Map<Scalar, string>;
  /** Scalars that were exactly one reference: candidates for number coercion. */
  single: Set<Scalar>;
}

/** Substitute in place in every string value of the document. Never throws on odd trees. */
export function interpolateDocument(doc: Document, env: Record<string, string | undefined>): DocumentInterpolation {
  const result: DocumentInterpolation = { problems: [], substituted: new Map(), single: new Set() };
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (isAlias(node)) return; // the anchored node is visited where it is defined
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return;
      const r = interpolate(node.value, env);
      if (!r.substituted && r.problems.length === 0 && r.value === node.value) return;
      if (r.substituted) result.substituted.set(node, node.value);
      if (r.single) result.single.add(node);
      for (const message of r.problems) result.problems.push({ node, path, message });
      node.value = r.value;
      return;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        visit(pair.value, [...path, keySegment(pair.key)]);
      }
      return;
    }
    if (isSeq(node)) node.items.forEach((item, i) => visit(item, [...path, i]));
  };
  visit(doc.contents as Node | null, []);
  return result;
}

/** How a map key shows up in a path (and in the object toJS builds). */
export function keySegment(key: unknown): string {
  if (isScalar(key)) return typeof key.value === 'symbol' ? '<<' : String(key.value);
  return String(key);
}
