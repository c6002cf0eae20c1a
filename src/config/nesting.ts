// A guard run before the YAML parser: flow collections nested a few thousand deep ("{{{{…", "[[[[…")
// make the parser's regular expressions exhaust V8's memory and end the process with a fatal error, where
// no try/catch can answer. No real config nests more than a dozen levels; past MAX_FLOW_DEPTH the file
// is refused with the line and column where it got too deep.

export const MAX_FLOW_DEPTH = 256;

/** Where flow nesting first exceeds `max` levels (quotes and comments skipped), or undefined. */
export function tooDeep(text: string, max = MAX_FLOW_DEPTH): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      if (quote === null) continue;
    }
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return { line, column: i - lineStart + 1 };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
