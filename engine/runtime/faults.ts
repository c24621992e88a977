// Injected crash points for the exactly-once tests. `STREAMLAKE_FAULT=<point>[@<n>]` makes the process die
// with SIGKILL the n-th time (default: first) it reaches that point, exactly like a power cut or `kill -9`
// there: no finally blocks, no flushes. Several points may be listed, comma-separated. Unset, a call costs
// one comparison, so the points stay in production code where the crash would really happen.
//
// Point names in use (keep this list current; the crash tests pick from it):
//   checkpoint.before-write   checkpoint.after-write           (runtime: the chk-<id>.json write)
//   sink.before-commit        sink.after-commit                (runtime: around each sink's commit)
//   lake.before-version-hint  lake.after-version-hint          (lake: publishing a new metadata version)
//   kafka.before-txn-commit   kafka.after-txn-commit           (sink.kafka: committing its transaction)
//   clickhouse.before-commit-log                               (sink.clickhouse: rows inserted, commit-log row not yet)
//   clickhouse.mid-stream                                      (sink.clickhouse: appends sent to the stage table, body not ended)
//   clickhouse.before-attach                                   (sink.clickhouse: stage's batch token recorded, stage not attached)
//   opensearch.before-commit-log                               (sink.opensearch: bulk done, commit-log document not yet)
//   cassandra.before-commit-log                                (sink.cassandra: rows written, commit record not yet)
const spec = process.env.STREAMLAKE_FAULT ?? '';
const armed = new Map<string, number>();
for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
  const [name, count] = part.split('@');
  const n = count === undefined ? 1 : Number(count);
  if (name && Number.isInteger(n) && n >= 1) armed.set(name, n);
}

/** Dies here (SIGKILL) when STREAMLAKE_FAULT names this point and its count is reached. */
export function faultPoint(name: string): void {
  if (armed.size === 0) return;
  const left = armed.get(name);
  if (left === undefined) return;
  if (left > 1) {
    armed.set(name, left - 1);
    return;
  }
  process.stderr.write(`streamlake: injected fault at ${name} (STREAMLAKE_FAULT)\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** The points named in STREAMLAKE_FAULT (for logging at start-up). */
export function armedFaults(): string[] {
  return [...armed.keys()];
}
