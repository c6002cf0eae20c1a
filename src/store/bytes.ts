// Compact blobs for the two places where one row per value would not fit on disk: raw observations
// once their hour is over (chunks.ts) and minute/hour rollups (rollup-blocks.ts). Values are written
// column by column as varints, then deflated with Node's zlib: the columns repeat (same status, same
// interval, similar latency), which is what deflate is good at.
//
// Hand-written rather than a protobuf or msgpack library: those frame every value with a tag or a
// type byte, which is the overhead these blobs exist to avoid, and the whole encoder is the few
// loops below. Integers go up to 2^53 (epoch ms), so the varints use arithmetic, not 32-bit shifts.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Decoded blobs are small (an hour of one monitor); anything bigger is corrupt, not data. */
const MAX_INFLATED = 16 * 2 ** 20;

export class BlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobError';
  }
}

export class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  /** A non-negative safe integer. */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** A signed safe integer, zigzag-encoded so small magnitudes stay one byte. */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.uint(b.length);
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** The bytes written, deflated. */
  deflated(): Buffer {
    // A 4 KB window and a smaller hash: a blob is a few KB, so the ratio barely changes, and each
    // call's zlib state is ~48 KB instead of ~256 KB (thousands of calls per compaction run).
    return deflateRawSync(this.buf.subarray(0, this.len), { windowBits: 12, memLevel: 6 });
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

export class ByteReader {
  private pos = 0;
  private readonly buf: Buffer;

  /** Inflates a blob made by ByteWriter.deflated(). */
  constructor(blob: Uint8Array) {
    try {
      this.buf = inflateRawSync(blob, { maxOutputLength: MAX_INFLATED });
    } catch (err) {
      throw new BlobError(`does not inflate (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new BlobError(`ends inside a number at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new BlobError(`number too long at byte ${this.pos}`);
    }
    if (!Number.isSafeInteger(n)) throw new BlobError(`number out of range at byte ${this.pos}`);
    return n;
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  string(): string {
    const len = this.uint();
    if (this.pos + len > this.buf.length) throw new BlobError(`string runs past the end at byte ${this.pos}`);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** A count of items still to read, checked against what is left (each item takes at least a byte). */
  count(): number {
    const n = this.uint();
    if (n > this.buf.length - this.pos + 1) throw new BlobError(`count ${n} exceeds the data left`);
    return n;
  }

  /** Throws unless every byte was read: trailing bytes mean the layout was not what we think. */
  end(): void {
    if (this.pos !== this.buf.length) throw new BlobError(`${this.buf.length - this.pos} trailing bytes`);
  }
}

/** Milliseconds in the blobs' fixed-point unit: 10 µs, well below network jitter. */
export const toUnits = (ms: number): number => Math.round(ms * 100);
export const fromUnits = (u: number): number => u / 100;
