// The last bytes of a relayed stream, for the usage its final event reports and for closing an event
// the upstream left half-written.
//
// Why a copy into one ring and not the chunks themselves: a stream's chunks arrive over seconds, so
// chunks kept by reference outlive the young generation and are promoted, and the old generation's
// marking then runs all the time (it was a tenth of the gateway's CPU at 200 streams). Copying a
// chunk of a few hundred bytes costs less than that, and the ring is one object for the stream's life.

export class TailRing {
  private buf: Buffer | undefined;
  /** Bytes written so far, in all; the ring holds the last `size` of them. */
  private written = 0;

  constructor(private readonly size: number) {}

  push(c: Buffer): void {
    const size = this.size;
    const buf = (this.buf ??= Buffer.allocUnsafeSlow(size));
    // Only the last `size` bytes of a chunk can stay.
    const src = c.length > size ? c.subarray(c.length - size) : c;
    const at = (this.written + c.length - src.length) % size;
    const first = Math.min(src.length, size - at);
    src.copy(buf, at, 0, first);
    if (first < src.length) src.copy(buf, 0, first);
    this.written += c.length;
  }

  /** The bytes held, oldest first. */
  bytes(): Buffer {
    if (!this.buf) return Buffer.alloc(0);
    if (this.written <= this.size) return this.buf.subarray(0, this.written);
    const at = this.written % this.size;
    return Buffer.concat([this.buf.subarray(at), this.buf.subarray(0, at)]);
  }

  /** The last `n` bytes as latin1 text (fewer if fewer were written). */
  last(n: number): string {
    const b = this.bytes();
    return b.subarray(Math.max(0, b.length - n)).toString('latin1');
  }

  get total(): number {
    return this.written;
  }
}
