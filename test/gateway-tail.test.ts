// The ring that keeps a stream's last bytes (src/gateway/tail.ts): whatever the chunking, it holds
// exactly the last `size` bytes of everything pushed, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TailRing } from '../src/gateway/tail.js';

describe('gateway tail ring', () => {
  it('holds the last size bytes of any sequence of chunks, oldest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.uint8Array({ maxLength: 150 }), { maxLength: 40 }), (size, chunks) => {
        const ring = new TailRing(size);
        for (const c of chunks) ring.push(Buffer.from(c));
        const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
        assert.deepEqual(ring.bytes(), all.subarray(Math.max(0, all.length - size)));
        assert.equal(ring.total, all.length);
        assert.equal(ring.last(2), all.subarray(Math.max(0, all.length - Math.min(2, size))).toString('latin1'));
      }),
      { numRuns: 500 },
    );
  });

  it('copies: a chunk changed after it was pushed does not change the ring', () => {
    const ring = new TailRing(8);
    const c = Buffer.from('abcdef');
    ring.push(c);
    c.fill(0x78);
    assert.equal(ring.bytes().toString(), 'abcdef');
  });

  it('is empty before any chunk', () => {
    const ring = new TailRing(8);
    assert.equal(ring.bytes().length, 0);
    assert.equal(ring.last(2), '');
  });
});
