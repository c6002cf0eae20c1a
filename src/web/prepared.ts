// Responses are rendered and compressed once per state change, then served as bytes:
// when everyone checks the page at once, a request costs a lookup, not a render.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface Prepared {
  body: Buffer;
  gzip: Buffer;
  etag: string;
  contentType: string;
}

export function prepare(body: string, contentType: string): Prepared {
  const buf = Buffer.from(body, 'utf8');
  return {
    body: buf,
    gzip: gzipSync(buf, { level: 6 }),
    etag: `"${createHash('sha1').update(buf).digest('base64url')}"`,
    contentType,
  };
}

export class PreparedSet {
  private entries = new Map<string, Prepared>();
  set(name: string, p: Prepared): void {
    this.entries.set(name, p);
  }
  get(name: string): Prepared | undefined {
    return this.entries.get(name);
  }
}
