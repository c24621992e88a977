// The per-run figures of the database sinks for the studio. The sinks keep process-wide counters (they feed
// /metrics, where counters must never go down across runs), so a run's figures are the counters minus what
// they were when the run started.
import { findSinkStats, type SinkStats } from '../../sinks/metrics.ts';
import type { SinkDelivery } from '../contract.ts';

const zero: SinkDelivery = { rows: 0, batches: 0, retries: 0, rejected: 0, commits: 0, commitMsTotal: 0 };

function read(stats: SinkStats | undefined): SinkDelivery {
  if (!stats) return zero;
  return { rows: stats.rows, batches: stats.batches, retries: stats.retries, rejected: stats.rejected, commits: stats.commitCount, commitMsTotal: stats.commitSecondsSum * 1000 };
}

/** The counters of the pipeline's sinks at the start of a run, by node id (absent ones count as zero). */
export function deliveryBaseline(pipeline: string, nodeIds: readonly string[]): Map<string, SinkDelivery> {
  return new Map(nodeIds.map((id) => [id, read(findSinkStats(pipeline, id))]));
}

/** A sink's figures since `baseline`, or undefined when the node has no sink counters (not a database sink). */
export function deliverySince(pipeline: string, nodeId: string, baseline: ReadonlyMap<string, SinkDelivery>): SinkDelivery | undefined {
  const stats = findSinkStats(pipeline, nodeId);
  if (!stats) return undefined;
  const now = read(stats);
  const before = baseline.get(nodeId) ?? zero;
  return {
    rows: now.rows - before.rows,
    batches: now.batches - before.batches,
    retries: now.retries - before.retries,
    rejected: now.rejected - before.rejected,
    commits: now.commits - before.commits,
    commitMsTotal: now.commitMsTotal - before.commitMsTotal,
  };
}
