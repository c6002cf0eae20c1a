// Public ids in Statuspage's style: short, opaque, stable for the same entity across restarts.
import { createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function publicId(kind: string, key: string): string {
  const digest = createHash('sha256').update(`${kind}:${key}`).digest();
  let out = '';
  for (let i = 0; i < 12; i++) out += ALPHABET[digest[i]! % ALPHABET.length];
  return out;
}
