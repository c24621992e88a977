// For sinks that build nothing ahead of their commit (sink.opensearch, sink.cassandra): an AppendEncoder
// (staged.ts) that keeps the interval's appended rows, so a commit in the same run writes them without
// reading the staging file back (the staging file is still what makes the checkpoint durable), and the
// commit skeleton such a sink runs on StagedSink.
import type { CheckpointInfo, DeadLetter, Row } from '../runtime/types.ts';
import type { Segment } from './pending.ts';
import type { RetryPolicy } from './retry.ts';
import type { AppendEncoder, StagedSink } from './staged.ts';
import type { StagedRef } from './staging.ts';

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

/**
 * commit(N) of a sink on HeldRows: nothing when the target already has N (`lastCommittedId`, read from the
 * target itself: a restore repeating the last commit, whose staging files are gone); else the segments up
 * to N (one append-only segment staged by this process from memory, otherwise the staged rows) written
 * by `attempt` under the retry loop; then their staging files are deleted.
 */
export async function commitHeld(staged: StagedSink<HeldRows>, policy: RetryPolicy, info: CheckpointInfo, pending: unknown, lastCommittedId: () => Promise<number | null>, attempt: (segments: readonly Segment[]) => Promise<DeadLetter[]>): Promise<void> {
  const refs = staged.refs(info, pending);
  if (refs.length === 0) return;
  const committed = await lastCommittedId();
  if (committed === null || committed < info.id) {
    const { encoded, load } = staged.work(info.id, refs);
    const segments = encoded ? [encoded.segment((refs[0] as StagedRef).id)] : await load();
    await staged.commit(policy, info.id, () => attempt(segments));
  }
  await staged.committed(info.id, refs);
}
