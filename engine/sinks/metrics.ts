// Per-sink delivery counters for the external-database sinks (rows, batches = committed transactions,
// commit latency, retries, refused rows), kept per pipeline and node for the life of the process so they
// are monotonic across runs like Prometheus counters should be. The studio appends them to /metrics
// (engine/api/service/runs.ts); the run summary carries the same figures per run.
export class SinkStats {
  rows = 0;
  batches = 0;
  retries = 0;
  rejected = 0;
  commitCount = 0;
  commitSecondsSum = 0;
  /** Commits at or under each bound (seconds), cumulative. */
  readonly commitBuckets = commitBucketsSeconds.map(() => 0);

  constructor(readonly pipeline: string, readonly node: string, readonly sink: string) {}

  observeCommit(ms: number): void {
    const s = ms / 1000;
    this.commitCount++;
    this.commitSecondsSum += s;
    commitBucketsSeconds.forEach((bound, i) => {
      if (s <= bound) this.commitBuckets[i] = (this.commitBuckets[i] ?? 0) + 1;
    });
  }
}

export const commitBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

const all = new Map<string, SinkStats>();

/** The counters of one sink node of a pipeline (created on first use). */
export function sinkStats(pipeline: string, node: string, sink: string): SinkStats {
  const key = JSON.stringify([pipeline, node]);
  let stats = all.get(key);
  if (!stats) {
    stats = new SinkStats(pipeline, node, sink);
    all.set(key, stats);
  }
  return stats;
}

function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The counters of a sink node when it has any yet (the studio reads them without creating them). */
export function findSinkStats(pipeline: string, node: string): SinkStats | undefined {
  return all.get(JSON.stringify([pipeline, node]));
}

/** Prometheus text for the sinks of one pipeline ('' when it has none). */
export function sinkMetricsText(pipeline: string): string {
  const mine = [...all.values()].filter((s) => s.pipeline === pipeline);
  if (mine.length === 0) return '';
  const lines: string[] = [];
  const label = (s: SinkStats): string => `pipeline="${escape(s.pipeline)}",node="${escape(s.node)}",sink="${escape(s.sink)}"`;
  const counter = (name: string, help: string, value: (s: SinkStats) => number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const s of mine) lines.push(`${name}{${label(s)}} ${value(s)}`);
  };
  counter('streamlake_sink_rows_total', 'Rows a database sink committed.', (s) => s.rows);
  counter('streamlake_sink_batches_total', 'Transactions (checkpoint commits) a database sink made.', (s) => s.batches);
  counter('streamlake_sink_retries_total', 'Attempts a database sink repeated after a connection error.', (s) => s.retries);
  counter('streamlake_sink_rejected_total', 'Rows the database refused (sent to the error port).', (s) => s.rejected);
  lines.push('# HELP streamlake_sink_commit_seconds Time of one checkpoint commit of a database sink, retries included.', '# TYPE streamlake_sink_commit_seconds histogram');
  for (const s of mine) {
    commitBucketsSeconds.forEach((bound, i) => lines.push(`streamlake_sink_commit_seconds_bucket{${label(s)},le="${bound}"} ${s.commitBuckets[i] ?? 0}`));
    lines.push(`streamlake_sink_commit_seconds_bucket{${label(s)},le="+Inf"} ${s.commitCount}`);
    lines.push(`streamlake_sink_commit_seconds_sum{${label(s)}} ${s.commitSecondsSum}`, `streamlake_sink_commit_seconds_count{${label(s)}} ${s.commitCount}`);
  }
  return lines.join('\n') + '\n';
}
