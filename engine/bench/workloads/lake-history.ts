// lake-history: a table with 10 000 snapshots, each a real one-row append through the lake writer; then
// the time to list its snapshots and to open it at an old version (as-of resolve + file list + a query).
// Building is resumable and cached: 10 000 commits cost minutes, and what they cost is reported.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { openLake } from '../../lake/index.ts';
import { createLakeQuery } from '../../lake/query/index.ts';
import { percentiles, registerWorkload } from '../workload.ts';

export const historySnapshots = 10_000;
const iterations = 20;
const targetMs = 50;
/** Building 10 000 commits takes longer than a bench run should; each run adds at most this much. */
const buildBudgetSeconds = Number(process.env['LAKE_HISTORY_BUILD_SECONDS'] ?? 600);

interface BuildLog {
  /** Commits made by each build session (a session may resume an earlier one). */
  sessions: { from: number; to: number; seconds: number }[];
  /** Mean ms per commit per 1000 snapshots of history, so growth with history length is visible. */
  msPerCommitByThousand: number[];
  /** Cold open + snapshot listing in ms, measured at each 1000 snapshots of history. */
  listingMsByThousand?: number[];
}

async function readLog(file: string): Promise<BuildLog> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as BuildLog;
  } catch {
    return { sessions: [], msPerCommitByThousand: [] };
  }
}

/**
 * Appends one-row commits until the table has `historySnapshots` snapshots or `budgetSeconds` ran out
 * (the next run resumes where this one stopped).
 */
export async function buildHistory(lakeDir: string, log: (message: string) => void, budgetSeconds = Infinity): Promise<BuildLog> {
  const logFile = path.join(lakeDir, 'build-log.json');
  const lake = openLake(lakeDir);
  const table = (await lake.exists('history'))
    ? await lake.table('history')
    : await lake.createTable('history', { fields: [{ name: 'n', required: true, type: 'long' }, { name: 'at', required: true, type: 'timestamptz' }] });
  const built = await readLog(logFile);
  const from = table.snapshots().length;
  if (from >= historySnapshots) return built;
  const begin = performance.now();
  let chunkBegin = performance.now();
  let chunkFrom = from;
  for (let n = from + 1; n <= historySnapshots; n++) {
    await table.append([{ n, at: new Date() }]);
    const outOfTime = (performance.now() - begin) / 1000 > budgetSeconds;
    if (n % 1000 === 0 || n === historySnapshots || outOfTime) {
      const perCommit = (performance.now() - chunkBegin) / (n - chunkFrom);
      // A handful of commits (a short resumed session) is too few to stand for its thousand.
      if (n - chunkFrom >= 100) built.msPerCommitByThousand[Math.ceil(n / 1000) - 1] = Math.round(perCommit);
      chunkFrom = n;
      if (n % 1000 === 0) {
        const listBegin = performance.now();
        (await lake.table('history')).snapshots();
        (built.listingMsByThousand ??= [])[n / 1000 - 1] = Math.round(performance.now() - listBegin);
      }
      chunkBegin = performance.now();
      log(`lake-history: ${n}/${historySnapshots} snapshots, ${perCommit.toFixed(0)} ms per commit lately`);
      built.sessions = [...built.sessions.filter((s) => s.from !== from), { from, to: n, seconds: Math.round((performance.now() - begin) / 1000) }];
      await writeFile(logFile, JSON.stringify(built, null, 2));
      if (outOfTime) break;
    }
  }
  return built;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const begin = performance.now();
    await fn();
    out.push(performance.now() - begin);
  }
  return out;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

registerWorkload({
  name: 'lake-history',
  description: `snapshot listing and time-travel open on a table with ${historySnapshots} snapshots (target < ${targetMs} ms)`,
  async run(ctx) {
    const lakeDir = path.join(ctx.cacheDir, `lake-history-${historySnapshots}`);
    const built = await buildHistory(lakeDir, ctx.log, buildBudgetSeconds);
    const lake = openLake(lakeDir);
    const snapshots = (await lake.table('history')).snapshots();
    const old = snapshots[Math.floor(snapshots.length / 3)]!;
    const query = createLakeQuery(lakeDir);
    const rss = ctx.trackRss();
    const begin = performance.now();
    const listing = percentiles(await time(async () => (await lake.table('history')).snapshots().length));
    // Time travel = open the table, resolve the as-of time to a snapshot and take its schema (metadata
    // only); listing that snapshot's files then costs in proportion to its file count, not its history.
    const open = percentiles(
      await time(async () => {
        const table = await lake.table('history');
        const snapshot = table.resolve({ asOf: old.timestampMs })!;
        return table.schema(snapshot.schemaId ?? undefined).fields.length;
      }),
    );
    const fileCount = (await (await lake.table('history')).dataFiles(old.snapshotId)).length;
    const files = percentiles(
      await time(async () => {
        const table = await lake.table('history');
        return (await table.dataFiles(table.resolve({ asOf: old.timestampMs })!.snapshotId)).length;
      }),
    );
    const sql = percentiles(
      await time(async () => {
        const handle = await query.query('SELECT count(*) AS n FROM history', { asOf: old.timestampMs });
        return handle.nextPage();
      }),
    );
    const seconds = (performance.now() - begin) / 1000;
    query.close();
    const peakRssMb = rss.stop();
    const buildSeconds = built.sessions.reduce((sum, s) => sum + s.seconds, 0);
    const line = (name: string, f: { p50: number; p95: number }) =>
      `${name.padEnd(34)} p50 ${round(f.p50)} ms  p95 ${round(f.p95)} ms${f.p95 < targetMs ? '' : `  over the ${targetMs} ms target`}`;
    return {
      seconds,
      peakRssMb,
      latencyMs: { p50: round(Math.max(listing.p50, open.p50)), p95: round(Math.max(listing.p95, open.p95)), p99: round(Math.max(listing.p99, open.p99)) },
      listingMs: listing,
      timeTravelOpenMs: open,
      timeTravelFilesMs: files,
      timeTravelQueryMs: sql,
      buildLog: built,
      notes: [
        line(`open + list ${snapshots.length} snapshots`, listing),
        line(`open as of snapshot ${snapshots.indexOf(old) + 1}`, open),
        line(`  + list its ${fileCount} data files`, files),
        line(`SELECT count(*) as of that time (${fileCount} files)`, sql),
        ...(snapshots.length < historySnapshots
          ? [`the history has ${snapshots.length} of ${historySnapshots} snapshots so far (build budget ${buildBudgetSeconds} s per run, LAKE_HISTORY_BUILD_SECONDS); the next run resumes it`]
          : []),
        `building: ${snapshots.length} one-row commits through the writer took ${buildSeconds} s in all; ms per commit by 1000s of history: ${built.msPerCommitByThousand.join(', ')}`,
        `cold open + listing while building, by 1000s of history (ms): ${(built.listingMsByThousand ?? []).join(', ')}`,
        `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      ],
    };
  },
});
