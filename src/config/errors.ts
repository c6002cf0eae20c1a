// Config errors as a person reads them: file:line:column: path: message.
// Pure helpers, no YAML or zod in here, so anything may format or compare them.

/** One problem in a config file. line and column are 1-based; line 0 means "the file as a whole" (unreadable, say). */
export interface ConfigError {
  file: string;
  line: number;
  column: number;
  /** Where in the config, e.g. `services[0].components[1].id`; empty for problems not tied to one value. */
  path: string;
  message: string;
}

/** `vigie.yaml:12:7: services[0].components[1].monitors[0].interval: "3 parsecs" is not a duration (...)` */
export function formatConfigError(e: ConfigError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return e.path ? `${where}: ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ['services', 0, 'components', 1, 'id'] -> `services[0].components[1].id`; odd keys are quoted: `headers["X Y"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Errors in reading order: by line, then column; file-level errors (line 0) first. Stable otherwise. */
export function sortConfigErrors(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.column - b.e.column || a.i - b.i)
    .map(({ e }) => e);
}

/** Same position, path and message reported twice (e.g. through an alias) is reported once. */
export function dedupeConfigErrors(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.line}\0${e.column}\0${e.path}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Levenshtein distance, small strings only (config keys). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key closest to `key` (edit distance at most 2, ignoring case and "-" vs "_"), if any. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = norm(key) === norm(k) ? 0 : editDistance(key, k);
    // "a" is within 2 of "id", but that is a guess, not a hint: require the key to be longer than the distance.
    if (d <= 2 && d < Math.max(key.length, 2) && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}
