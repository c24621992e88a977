// The AppendEncoder (staged.ts) of a sink that builds nothing ahead of its commit (sink.opensearch,
// sink.cassandra): it keeps the interval's appended rows, so a commit in the same run writes them without
// reading the staging file back. The staging file is still what makes the checkpoint durable.
import type { Row } from '../runtime/types.ts';
import type { Segment } from './pending.ts';
import type { AppendEncoder } from './staged.ts';

export class HeldRows implements AppendEncoder {
  /** Null once spoiled (keyed rows or retractions arrived: the sink holds or reads those itself). */
  private kept: Row[] | null = [];

  get rows(): number {
    return this.kept?.length ?? 0;
  }

  get spoiled(): boolean {
    return this.kept === null;
  }

  add(rows: readonly Row[]): void {
    const kept = this.kept;
    if (kept) for (const row of rows) kept.push(row);
  }

  spoil(): void {
    this.kept = null;
  }

  /** The rows as the segment staged under checkpoint `id` (the same rows in the same order as its file). */
  segment(id: number): Segment {
    return { id, rows: this.kept ?? [], retracts: [] };
  }
}
