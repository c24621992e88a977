// For sinks that build nothing ahead of their commit (sink.opensearch, sink.cassandra): an AppendEncoder
// (staged.ts) that keeps no rows, only what the commit must know before it sends the first one (the
// index mapping or table columns the interval's appends need, folded batch by batch), and the commit
// skeleton such a sink runs on StagedSink. The rows themselves are in the staging file as they arrive;
// the commit reads them back record by record (`Staging.parts`) and sends them in bounded chunks, so the
// memory a commit holds does not grow with the checkpoint interval. Windowed rows (an upsert key) are
// still loaded whole and settled in memory, last row per key (`mergeSegments`): a window's emissions of
// one interval, which the number of keys bounds.
import type { CheckpointInfo, DeadLetter, Row } from '../runtime/types.ts';
import type { Segment } from './pending.ts';
import type { RetryPolicy } from './retry.ts';
import type { AppendEncoder, StagedSink } from './staged.ts';
import type { StagedRef, StagedRows } from './staging.ts';

/** What a sink folds from the appended rows of an interval (fields and their types; never the rows). */
export interface RowFold {
  add(rows: readonly Row[]): void;
}

export class FoldedAppends<F extends RowFold> implements AppendEncoder {
  private count = 0;
  private gone = false;

  constructor(readonly fold: F) {}

  get rows(): number {
    return this.count;
  }

  /** Keyed rows or retractions arrived: the commit settles those from the staged segments. */
  get spoiled(): boolean {
    return this.gone;
  }

  add(rows: readonly Row[]): void {
    if (this.gone) return;
    this.fold.add(rows);
    this.count += rows.length;
  }

  spoil(): void {
    this.gone = true;
  }
}

/** Rows a commit holds in memory at once (read back and not yet acknowledged), for tests and figures. */
export class RowGauge {
  held = 0;
  peak = 0;

  add(n: number): void {
    this.held += n;
    if (this.held > this.peak) this.peak = this.held;
  }

  drop(n: number): void {
    this.held -= n;
  }
}

/** What one commit attempt of a sink on FoldedAppends gets. */
export interface StreamedWork<F> {
  id: number;
  /**
   * The fold of the appends, when the commit is of one append-only segment this process staged (then
   * nothing needs reading before the rows are sent); otherwise undefined and the sink surveys `parts`.
   */
  fold: F | undefined;
  /** The staged rows, one record at a time (bounded memory). */
  parts(): AsyncGenerator<StagedRows>;
  /** The whole segments (windowed rows, which are settled last row per key before they are written). */
  load(): Promise<Segment[]>;
}

/**
 * commit(N) of a sink on FoldedAppends: nothing when the target already has N (`lastCommittedId`, read
 * from the target itself: a restore repeating the last commit, whose staging files are gone); else the
 * segments up to N, written by `attempt` under the retry loop; then their staging files are deleted.
 */
export async function commitStreamed<F extends RowFold>(staged: StagedSink<FoldedAppends<F>>, policy: RetryPolicy, info: CheckpointInfo, pending: unknown, lastCommittedId: () => Promise<number | null>, attempt: (work: StreamedWork<F>) => Promise<DeadLetter[]>): Promise<void> {
  const refs = staged.refs(info, pending);
  if (refs.length === 0) return;
  const committed = await lastCommittedId();
  if (committed === null || committed < info.id) {
    const { encoded, load } = staged.work(info.id, refs);
    const work: StreamedWork<F> = { id: info.id, fold: encoded?.fold, parts: () => staged.parts(refs), load };
    await staged.commit(policy, info.id, () => attempt(work));
  }
  await staged.committed(info.id, refs as StagedRef[]);
}
