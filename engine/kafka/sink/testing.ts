// What the JSON writer's tests share (json-bytes, and the file source's verbatim and lazy-rows tests).
import type { ByteOutput } from './json-bytes.ts';

/** A ByteOutput that doubles when a write needs more room; start it small to exercise growth mid-row. */
export class GrowingOutput implements ByteOutput {
  buf: Buffer;
  constructor(size = 256) {
    this.buf = Buffer.alloc(size);
  }
  ensure(end: number): void {
    if (end <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(end, this.buf.length * 2));
    this.buf.copy(next);
    this.buf = next;
  }
}
