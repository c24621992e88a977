// file-window-lake: 5 M generated sales events from a JSON Lines file → filter → tumbling 1-minute window
// by region → lake, next to its peer: DuckDB's batch query on the same file (read_json → time_bucket
// group-by → Parquet), and the same pipeline on the run's thread alone or with decode workers. Also measures, side by side on the same
// file, what the file source alone costs (it decodes only the fields the pipeline reads), what JSON.parse
// of whole lines would cost, and what the operators alone cost, so the figure says where the time goes.
// CPU time is reported next to wall time: on a shared machine wall time mostly measures the neighbours.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../../lake/duckdb.ts';
import '../../nodes/index.ts';
import { nodeFactory } from '../../nodes/registry.ts';
import { ManualTime, monotonicMs } from '../../runtime/clock.ts';
import { buildGraph } from '../../runtime/graph.ts';
import { MemorySource } from '../../runtime/memory-source.ts';
import { sourceProjection } from '../../runtime/projection.ts';
import { createRun } from '../../runtime/run.ts';
import { FileSource } from '../../sources/file/source.ts';
import { defaultFusedWorkers } from '../../workers/pool.ts';
import type { Batch, Row } from '../../runtime/types.ts';
import { registerWorkload, type BenchContext, type BenchResult } from '../workload.ts';
import { mainThreadCpuSeconds } from './kafka-common.ts';

const defaultCount = 5_000_000;
const seed = 7;
/** Events of the warm-up run before the measured one. */
const warmCount = 100_000;

/** The input file, generated once per (count, seed) and kept in the bench cache. */
async function inputFile(ctx: BenchContext, count: number): Promise<string> {
  const path = join(ctx.cacheDir, `sales_orders-seed${seed}-${count}.jsonl`);
  try {
    if ((await stat(path)).size > 0) return path;
  } catch {
    // not generated yet
  }
  ctx.log(`generating ${count.toLocaleString('en-US')} sales events into ${path} (cached for later runs)`);
  const temp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(temp);
  let lines: string[] = [];
  for (const row of generateEvents('sales_orders', { count, seed })) {
    lines.push(JSON.stringify(row));
    if (lines.length === 10_000) {
      if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
      lines = [];
    }
  }
  if (lines.length > 0) out.write(lines.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  await rename(temp, path);
  return path;
}

function pipeline(path: string, sink: 'sink.lake' | 'sink.preview'): PipelineDoc {
  return {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'bench-file-window-lake',
    nodes: [
      { id: 'orders', type: 'source.file', config: { path, format: 'jsonl' } },
      { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
      sink === 'sink.lake' ? { id: 'out', type: 'sink.lake', config: { table: 'sales_by_region' } } : { id: 'out', type: 'sink.preview', config: { capacity: 1000 } },
    ],
    edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
  };
}

/**
 * The peer: DuckDB's batch query on the same file, the same filter, 1-minute buckets by region and the same
 * aggregates, written as Parquet; its own instance with its default threads (both cores). It reads the
 * three fields the pipeline reads (`columns`), as the engine's projection does.
 */
async function duckDbReference(path: string, outDir: string): Promise<Part & { windows: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const out = join(outDir, 'duckdb-reference.parquet');
  const started = monotonicMs();
  const cpu = process.cpuUsage();
  try {
    const source = `read_json(${sqlString(path)}, format = 'newline_delimited', columns = {event_time: 'TIMESTAMPTZ', region: 'VARCHAR', amount: 'DOUBLE'})`;
    await connection.run(`COPY (SELECT region, time_bucket(INTERVAL 1 minute, event_time) AS window_start, count(*) AS orders, sum(amount) AS revenue, max(amount) AS max_order FROM ${source} WHERE amount > 0 AND region IS NOT NULL GROUP BY ALL) TO ${sqlString(out)} (FORMAT parquet)`);
    const seconds = (monotonicMs() - started) / 1000;
    const cpuSeconds = cpuSince(cpu);
    const counted = await connection.runAndReadAll(`SELECT count(*)::INTEGER, (SELECT sum(orders) FROM read_parquet(${sqlString(out)}))::BIGINT FROM read_parquet(${sqlString(out)})`);
    const [windows, events] = (counted.getRows()[0] ?? [0, 0]) as [number, bigint];
    return { events: Number(events), seconds, cpuSeconds, windows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Reads the whole file and drops it: afterwards it is in the page cache for every measured reader. */
async function readThrough(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) void chunk;
}

/** Reading the file and JSON.parse of every line, nothing else: the floor for a JSON-decoding source. */
async function parseOnly(path: string, limit: number): Promise<Part> {
  const started = monotonicMs();
  const cpu = process.cpuUsage();
  let events = 0;
  let carry = '';
  const stream = createReadStream(path, { highWaterMark: 1 << 20, encoding: 'utf8' });
  outer: for await (const chunk of stream as AsyncIterable<string>) {
    const text = carry + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      JSON.parse(text.slice(start, nl));
      start = nl + 1;
      if (++events >= limit) break outer;
    }
    carry = text.slice(start);
  }
  stream.destroy();
  return { events, seconds: (monotonicMs() - started) / 1000, cpuSeconds: cpuSince(cpu) };
}

interface Part {
  events: number;
  seconds: number;
  cpuSeconds: number;
}

function mainSince(before: number | undefined): number | undefined {
  const now = mainThreadCpuSeconds();
  return before === undefined || now === undefined ? undefined : now - before;
}

function perEvent(seconds: number | undefined, events: number): string {
  return seconds === undefined ? 'n/a' : `${((seconds * 1e6) / events).toFixed(2)} µs`;
}

function cpuSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** The pipeline's file source alone, with the field projection the runtime gives it; keeps the first batches for operatorsOnly. */
async function sourceOnly(path: string, fields: readonly string[] | undefined, limit: number, keepBatches: number): Promise<{ part: Part; rows: Row[][] }> {
  const source = new FileSource({ path, format: 'jsonl' }, { nodeId: 'orders', clock: new ManualTime(0), fields });
  const controller = new AbortController();
  const kept: Row[][] = [];
  let events = 0;
  const started = monotonicMs();
  const cpu = process.cpuUsage();
  await source.run(async (batch) => {
    events += batch.rows.length;
    if (kept.length < keepBatches) kept.push(batch.rows);
    if (events >= limit) controller.abort();
  }, controller.signal);
  return { part: { events, seconds: (monotonicMs() - started) / 1000, cpuSeconds: cpuSince(cpu) }, rows: kept };
}

/** The same filter and window over rows the file source already decoded: what the operators and runtime cost alone. */
async function operatorsOnly(path: string, decoded: Row[][], ctx: BenchContext): Promise<Part> {
  const batches: Batch[] = decoded.map((rows) => ({ rows, partition: 'orders/0' }));
  const events = decoded.reduce((n, rows) => n + rows.length, 0);
  const doc = pipeline(path, 'sink.preview');
  const run = createRun(doc, { lakeDir: ctx.workDir, homeDir: ctx.workDir, nodes: { 'source.file': { kind: 'source', create: () => new MemorySource(batches) } } });
  const started = monotonicMs();
  const cpu = process.cpuUsage();
  const summary = await run.start();
  if (summary.status !== 'finished') throw new Error(`operators-only run ${summary.status}: ${summary.error?.message ?? ''}`);
  return { events, seconds: (monotonicMs() - started) / 1000, cpuSeconds: cpuSince(cpu) };
}

registerWorkload({
  name: 'file-window-lake',
  description: '5 M sales events from JSONL → filter → tumbling 1-minute window by region → lake',
  async run(ctx): Promise<BenchResult> {
    const count = Number(process.env.STREAMLAKE_BENCH_EVENTS ?? defaultCount);
    const path = await inputFile(ctx, count);
    const sink = nodeFactory('sink.lake') ? 'sink.lake' : 'sink.preview';
    const notes: string[] = [];
    if (sink === 'sink.preview') notes.push('sink.lake is not registered yet: the window output goes to sink.preview');
    // The file read once first: DuckDB reads it after the engine, so without this a file the page cache
    // had dropped (after a test suite, say) was read from disk by the engine's run alone.
    await readThrough(path);
    // Warm-up, not measured: the same pipeline over 100 k events, so the run below meets code that is
    // loaded and compiled, as in a studio process that has run a pipeline before (DuckDB's query runs
    // compiled code from the start). It also builds the decode workers' bundle (workers/bundle.ts).
    const warmAt = monotonicMs();
    const warm = await createRun(pipeline(await inputFile(ctx, warmCount), sink), { lakeDir: join(ctx.workDir, 'lake-warmup'), homeDir: ctx.workDir, checkpointInterval: 0 }).start();
    if (warm.status !== 'finished') throw new Error(`warm-up run ${warm.status}: ${warm.error?.message ?? ''}`);
    notes.push(`warm-up: the same pipeline over ${warmCount.toLocaleString('en-US')} events first, not measured (${Math.round(monotonicMs() - warmAt)} ms)`);
    const loadBefore = loadavg()[0] ?? 0;
    const rss = ctx.trackRss();
    const started = monotonicMs();
    const cpuBefore = process.cpuUsage();
    const mainBefore = mainThreadCpuSeconds();
    const run = createRun(pipeline(path, sink), { lakeDir: join(ctx.workDir, 'lake'), homeDir: ctx.workDir, checkpointInterval: 0 });
    const summary = await run.start();
    const seconds = (monotonicMs() - started) / 1000;
    // CPU time covers all threads of this process, DuckDB's included.
    const cpuSeconds = cpuSince(cpuBefore);
    const mainSeconds = mainSince(mainBefore);
    const peakRssMb = rss.stop();
    const loadAfter = loadavg()[0] ?? 0;
    if (summary.status !== 'finished') throw new Error(`run ${summary.status}: ${summary.error?.message ?? ''}`);
    const metrics = run.metrics();
    const events = summary.eventsIn;
    const windows = metrics.nodes.per_min?.out.out ?? 0;
    notes.push(`${windows} window rows written; filter passed ${metrics.nodes.valid?.out.out ?? 0}, errors ${metrics.nodes.orders?.errors ?? 0}`);
    // The same pipeline in the other mode: on the run's thread alone (STREAMLAKE_WORKERS=0) when the run
    // above used workers, else fused on a decode worker (engine/workers/README.md), unless
    // STREAMLAKE_WORKERS already chose something other than 0.
    let other: (Part & { workers: string; mainSeconds: number | undefined }) | undefined;
    const chosen = process.env.STREAMLAKE_WORKERS;
    if (chosen === undefined || chosen === '0') {
      const workers = chosen === undefined ? (defaultFusedWorkers > 0 ? '0' : '1') : String(Math.max(1, defaultFusedWorkers));
      process.env.STREAMLAKE_WORKERS = workers;
      try {
        const cpu = process.cpuUsage();
        const main = mainThreadCpuSeconds();
        const at = monotonicMs();
        const again = await createRun(pipeline(path, sink), { lakeDir: join(ctx.workDir, 'lake-other'), homeDir: ctx.workDir, checkpointInterval: 0 }).start();
        if (again.status !== 'finished') throw new Error(`run with STREAMLAKE_WORKERS=${workers} ${again.status}: ${again.error?.message ?? ''}`);
        other = { events: again.eventsIn, seconds: (monotonicMs() - at) / 1000, cpuSeconds: cpuSince(cpu), workers, mainSeconds: mainSince(main) };
      } finally {
        if (chosen === undefined) delete process.env.STREAMLAKE_WORKERS;
        else process.env.STREAMLAKE_WORKERS = chosen;
      }
    }
    notes.push(`the run above: ${chosen === undefined ? `default workers (${defaultFusedWorkers} when fused)` : `STREAMLAKE_WORKERS=${chosen}`}; run's thread ${perEvent(mainSeconds, events)} CPU per event, all threads ${perEvent(cpuSeconds, events)}`);
    if (other) notes.push(`with STREAMLAKE_WORKERS=${other.workers}: run's thread ${perEvent(other.mainSeconds, other.events)} CPU per event, all threads ${perEvent(other.cpuSeconds, other.events)}`);
    const duck = await duckDbReference(path, ctx.workDir);
    const duckRate = duck.events / duck.seconds;
    notes.push(`engine / DuckDB = ${(events / seconds / duckRate).toFixed(2)} in wall time (target ≥ 0.5); in CPU per event (load-independent) ${((duck.cpuSeconds / duck.events) / (cpuSeconds / events)).toFixed(2)}; DuckDB wrote ${duck.windows} window rows over ${duck.events.toLocaleString('en-US')} events (the engine ${windows})`);
    const fields = sourceProjection(buildGraph(pipeline(path, sink)), 'orders');
    const parse = await parseOnly(path, Math.min(count, 1_000_000));
    const decoded = await sourceOnly(path, fields, Math.min(count, 1_000_000), 0);
    // Collected in a separate pass: rows kept while measuring would put GC copying into the figure.
    const ops = await operatorsOnly(path, (await sourceOnly(path, fields, Math.min(count, 500_000), 500)).rows, ctx);
    const us = (part: Part): string => `${((part.seconds * 1e6) / part.events).toFixed(2)} µs (${((part.cpuSeconds * 1e6) / part.events).toFixed(2)} µs CPU)`;
    notes.push(`source fields: ${fields ? fields.join(', ') : 'all (whole rows)'}`);
    notes.push(`machine load (1-minute average) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after the run, on ${availableParallelism()} cores: above the core count, wall time measures the neighbours too`);
    notes.push(`per event: ${us({ events, seconds, cpuSeconds })} end to end; ${us(decoded.part)} file source alone; ${us(parse)} reading + JSON.parse of whole lines; ${us(ops)} runtime + filter + window alone (decoded rows in memory)`);
    return {
      events,
      seconds,
      eventsPerSecond: events / seconds,
      latencyMs: metrics.nodes.out?.latency.count ? { p50: metrics.nodes.out.latency.p50 ?? 0, p95: metrics.nodes.out.latency.p95 ?? 0, p99: metrics.nodes.out.latency.p99 ?? 0 } : undefined,
      peakRssMb,
      references: [
        { name: 'DuckDB read_json → time_bucket group-by → Parquet, same file', eventsPerSecond: duckRate, seconds: duck.seconds, note: `${((duck.cpuSeconds * 1e6) / duck.events).toFixed(2)} µs CPU per event, all DuckDB threads` },
        ...(other ? [{ name: `end to end with STREAMLAKE_WORKERS=${other.workers}`, eventsPerSecond: other.events / other.seconds, seconds: other.seconds, note: `${((other.cpuSeconds * 1e6) / other.events).toFixed(2)} µs CPU per event, all threads; run's thread ${perEvent(other.mainSeconds, other.events)}` }] : []),
        { name: 'end to end, per CPU-second (load-independent)', eventsPerSecond: events / cpuSeconds, note: `${((cpuSeconds * 1e6) / events).toFixed(2)} µs CPU per event, all threads` },
        { name: 'file source only (projected decode)', eventsPerSecond: decoded.part.events / decoded.part.seconds, note: `${decoded.part.events.toLocaleString('en-US')} lines, ${Math.round(decoded.part.events / decoded.part.cpuSeconds).toLocaleString('en-US')} per CPU-second` },
        { name: 'read + JSON.parse only', eventsPerSecond: parse.events / parse.seconds, note: `${parse.events.toLocaleString('en-US')} lines, ${Math.round(parse.events / parse.cpuSeconds).toLocaleString('en-US')} per CPU-second` },
        { name: 'runtime + filter + window only (decoded rows)', eventsPerSecond: ops.events / ops.seconds, note: `${ops.events.toLocaleString('en-US')} rows, ${Math.round(ops.events / ops.cpuSeconds).toLocaleString('en-US')} per CPU-second` },
      ],
      targets: { eventsPerSecond: 1_000_000, peakRssMb: 400 },
      notes,
      sink,
      windowRows: windows,
      cpuSeconds,
      eventsPerCpuSecond: events / cpuSeconds,
      ratioToDuckDb: events / seconds / duckRate,
    };
  },
});
