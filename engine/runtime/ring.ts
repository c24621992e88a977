// The live preview on every node port: the latest rows, kept by reference to whole batches so the hot
// path pays one array push per batch instead of a copy per row.
import type { Row } from './types.ts';

export class RowRing {
  private chunks: Row[][] = [];
  private size = 0;

  constructor(readonly capacity: number) {}

  add(rows: Row[]): void {
    if (rows.length === 0 || this.capacity <= 0) return;
    // A batch bigger than the ring is cut so one huge batch cannot pin a huge array.
    const kept = rows.length > this.capacity ? rows.slice(rows.length - this.capacity) : rows;
    this.chunks.push(kept);
    this.size += kept.length;
    for (;;) {
      const first = this.chunks[0];
      if (!first || this.size - first.length < this.capacity) break;
      this.chunks.shift();
      this.size -= first.length;
    }
  }

  /** The latest `limit` rows, oldest first. */
  latest(limit = this.capacity): Row[] {
    const out: Row[] = [];
    for (let i = this.chunks.length - 1; i >= 0 && out.length < limit; i--) {
      const chunk = this.chunks[i] ?? [];
      for (let j = chunk.length - 1; j >= 0 && out.length < limit; j--) out.push(chunk[j] as Row);
    }
    return out.reverse();
  }

  /** Total rows currently held. */
  get length(): number {
    return Math.min(this.size, this.capacity);
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}
