// Vigie's version, from package.json: read once when first imported (it is part of the build, like
// the code), for `vigie --version` and the OpenAPI document.
import { readFileSync } from 'node:fs';

function read(): string {
  // From src/core (tsx, tests) or dist/src/core (the build).
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vigie' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0-unknown';
}

export const VIGIE_VERSION = read();
