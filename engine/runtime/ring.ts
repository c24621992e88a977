// The live preview on every node port: the latest rows, kept by reference to whole batches so the hot
// path pays one array push per batch instead of a copy per row. A lazy batch (lazy.ts) is kept undecoded:
// its rows are decoded when a preview asks for them, not for every batch that passes.
import { LazyBatch } from './lazy.ts';
import type { Row } from './types.ts';

/** Rows of a batch from `from` on: an array, or a lazy batch not decoded yet. */
interface Chunk { rows: Row[] | LazyBatch; from: number; size: number }

export class RowRing {
  private chunks: Chunk[] = [];
  private size = 0;

  constructor(readonly capacity: number) {}

  add(rows: Row[] | LazyBatch): void {
    const n = rows instanceof LazyBatch ? rows.count : rows.length;
    if (n === 0 || this.capacity <= 0) return;
    // A batch bigger than the ring is cut so one huge batch cannot pin a huge array.
    const from = n > this.capacity ? n - this.capacity : 0;
    const kept = from > 0 && Array.isArray(rows) ? rows.slice(from) : rows;
    const chunk: Chunk = kept === rows ? { rows, from, size: n - from } : { rows: kept, from: 0, size: n - from };
    this.chunks.push(chunk);
    this.size += chunk.size;
    for (;;) {
      const first = this.chunks[0];
      if (!first || this.size - first.size < this.capacity) break;
      this.chunks.shift();
      this.size -= first.size;
    }
  }

  /** The latest `limit` rows, oldest first. */
  latest(limit = this.capacity): Row[] {
    const out: Row[] = [];
    for (let i = this.chunks.length - 1; i >= 0 && out.length < limit; i--) {
      const chunk = this.chunks[i] as Chunk;
      const rows = chunk.rows instanceof LazyBatch ? chunk.rows.rows : chunk.rows;
      for (let j = rows.length - 1; j >= chunk.from && out.length < limit; j--) out.push(rows[j] as Row);
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
