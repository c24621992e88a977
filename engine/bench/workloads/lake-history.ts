// lake-history: a table with 10 000 snapshots, each a real one-row append through the lake writer; then
// the time to list its snapshots and to open it at an old version (as-of resolve + file list + a query).
// The history is built with appendBatches, many snapshots per metadata version: committing them one by
// one rewrites the whole (growing) metadata file per snapshot, which costs 40+ minutes for 10 000 and
// measures the writer rather than reading history. The table read afterwards is the same either way:
// 10 000 snapshots, each with its own data file, manifest and manifest list. Building is cached.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { openLake } from '../../lake/index.ts';
import { createLakeQuery } from '../../lake/query/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import { percentiles, registerWorkload } from '../workload.ts';

export const historySnapshots = 10_000;
/** Snapshots per metadata version while building. */
const chunkSnapshots = 500;
const iterations = 20;
const targetMs = 50;
/** Each run adds at most this much history (the next run resumes). */
const buildBudgetSeconds = Number(process.env['LAKE_HISTORY_BUILD_SECONDS'] ?? 900);

interface BuildLog {
  /** Snapshots made by each build session (a session may resume an earlier one). */
  sessions: { from: number; to: number; seconds: number }[];
  /** Mean ms per snapshot per 1000 snapshots of history (chunks of `chunkSnapshots` per commit). */
  msPerSnapshotByThousand: number[];
  /** Cold open + snapshot listing in ms, measured at each 1000 snapshots of history. */
  listingMsByThousand: number[];
}

async function readLog(file: string): Promise<BuildLog> {
  try {
    const log = JSON.parse(await readFile(file, 'utf8')) as Partial<BuildLog>;
    return { sessions: log.sessions ?? [], msPerSnapshotByThousand: log.msPerSnapshotByThousand ?? [], listingMsByThousand: log.listingMsByThousand ?? [] };
  } catch {
    return { sessions: [], msPerSnapshotByThousand: [], listingMsByThousand: [] };
  }
}

/**
 * Snapshot times for a history built in seconds: every clock read moves one second on from a start in the
 * past, so the snapshots of one bulk commit still get distinct, increasing timestamps and an as-of time
 * resolves to one particular snapshot, as in a table that really grew over hours.
 */
function historyClock(start: number): Clock {
  let at = start;
  return { now: () => (at += 1000) };
}

/**
 * Appends one-row snapshots, `chunk` per commit, until the table has `target` snapshots or `budgetSeconds`
 * ran out (the next run resumes where this one stopped).
 */
export async function buildHistory(lakeDir: string, log: (message: string) => void, budgetSeconds = Infinity, target = historySnapshots, chunk = chunkSnapshots): Promise<BuildLog> {
  const logFile = path.join(lakeDir, 'build-log.json');
  const probe = openLake(lakeDir);
  const existing = (await probe.exists('history')) ? await probe.table('history') : null;
  const from = existing?.snapshots().length ?? 0;
  const built = await readLog(logFile);
  if (from >= target) return built;
  // Resuming continues after the newest snapshot's time; a fresh history starts far enough back (about
  // two clock reads per snapshot) to end before the present.
  const clock = historyClock(existing ? existing.metadata()['last-updated-ms'] : new Date().getTime() - 2 * target * 1000 - 3_600_000);
  const lake = openLake(lakeDir, { clock });
  const table = existing
    ? await lake.table('history')
    : await lake.createTable('history', { fields: [{ name: 'n', required: true, type: 'long' }, { name: 'at', required: true, type: 'timestamptz' }] });
  const begin = performance.now();
  let thousandBegin = performance.now();
  let thousandFrom = from;
  for (let n = from; n < target;) {
    const count = Math.min(chunk, target - n, 1000 - (n % 1000));
    const batches = Array.from({ length: count }, (_, i) => [{ n: n + i + 1, at: new Date(clock.now()) }]);
    const results = await table.appendBatches(batches);
    if (results.some((r) => r.snapshot === null || r.rejected.length > 0)) throw new Error(`lake-history: a one-row append after snapshot ${n} made no snapshot`);
    n += count;
    const outOfTime = (performance.now() - begin) / 1000 > budgetSeconds;
    if (n % 1000 === 0 || n === target || outOfTime) {
      const perSnapshot = (performance.now() - thousandBegin) / (n - thousandFrom);
      // A handful of snapshots (a short resumed session) is too few to stand for its thousand.
      if (n - thousandFrom >= 100) built.msPerSnapshotByThousand[Math.ceil(n / 1000) - 1] = Math.round(perSnapshot * 10) / 10;
      thousandFrom = n;
      if (n % 1000 === 0) {
        const listBegin = performance.now();
        (await openLake(lakeDir).table('history')).snapshots();
        built.listingMsByThousand[n / 1000 - 1] = Math.round(performance.now() - listBegin);
      }
      thousandBegin = performance.now();
      log(`lake-history: ${n}/${target} snapshots, ${perSnapshot.toFixed(1)} ms per snapshot lately`);
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
    const lakeDir = path.join(ctx.cacheDir, `lake-history-batched-${historySnapshots}`);
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
        `building: ${snapshots.length} one-row snapshots through the writer, ${chunkSnapshots} per commit (appendBatches), took ${buildSeconds} s in all; ms per snapshot by 1000s of history: ${built.msPerSnapshotByThousand.join(', ')}`,
        `cold open + listing while building, by 1000s of history (ms): ${built.listingMsByThousand.join(', ')}`,
        `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      ],
    };
  },
});
