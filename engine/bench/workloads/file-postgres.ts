// file-append-postgres / file-window-postgres: a JSON Lines file of sales events → sink.postgres (COPY
// appends, or filter → tumbling 1-minute window by region → upserts), with checkpoints on as the CLI runs
// them; next to PostgreSQL's own bulk path in the same run: `psql \copy` of the same events, as COPY text
// written beforehand, into a table of the same shape. The server is a throwaway cluster from Debian's
// postgresql (engine/sinks/postgres/server.ts).
import { spawnSync } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import { PostgresConnectionStore } from '../../sinks/postgres/connections.ts';
import { postgresBin, startPostgres, type PostgresServer } from '../../sinks/postgres/server.ts';
import { copyLines } from '../../sinks/postgres/sql.ts';
import { processCpuMs, registerWorkload, waitedChildrenCpuMs, type BenchContext, type BenchResult } from '../workload.ts';
import { salesFile } from './kafka-common.ts';

const defaultCount = 1_000_000;
const columns = ['order_id', 'customer_id', 'product', 'category', 'region', 'quantity', 'unit_price', 'amount', 'event_time'];

/**
 * The server's CPU ms once the backends that just ended are counted: an ended backend's time reaches the
 * postmaster's children total only when the postmaster has reaped it, which may be after the client
 * returned (read at once, the server's share came out anywhere from 0 to 1.3 µs an event). Waits until
 * two readings 100 ms apart agree (at most 3 s).
 */
async function settledServerCpuMs(dir: string): Promise<number> {
  let last = processCpuMs(dir);
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = processCpuMs(dir);
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function readRows(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  let carry = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) if (line) rows.push(JSON.parse(line) as Row);
  }
  if (carry) rows.push(JSON.parse(carry) as Row);
  return rows;
}

/** `psql \copy` of the events as COPY text into a fresh table: the server's own bulk path. */
async function copyReference(ctx: BenchContext, server: PostgresServer, file: string): Promise<{ events: number; seconds: number; cpuMs: number }> {
  const rows = await readRows(file);
  const text = join(ctx.workDir, 'orders.copy');
  writeFileSync(text, copyLines(rows, columns));
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  await client.query('CREATE TABLE copy_reference (order_id text, customer_id text, product text, category text, region text, quantity bigint, unit_price double precision, amount double precision, event_time timestamptz)');
  await client.end();
  const bin = postgresBin() ?? '/usr/bin';
  const cpu = await settledServerCpuMs(server.dir) + waitedChildrenCpuMs();
  const started = monotonicMs();
  const r = spawnSync(join(bin, 'psql'), ['-h', server.host, '-p', String(server.port), '-U', server.user, '-d', server.database, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy copy_reference (${columns.join(', ')}) FROM '${text}'`], { env: { ...process.env, PGPASSWORD: server.password }, encoding: 'utf8' });
  const seconds = (monotonicMs() - started) / 1000;
  const cpuMs = await settledServerCpuMs(server.dir) + waitedChildrenCpuMs() - cpu;
  if (r.status !== 0) throw new Error(`psql \\copy failed: ${r.stderr}`);
  return { events: rows.length, seconds, cpuMs };
}

/** The same pipeline into sink.preview: what the engine's reading and operators alone allow (the ceiling for the sink). */
export async function engineAlone(ctx: BenchContext, pipeline: PipelineDoc): Promise<{ rate: number; cpuMs: number }> {
  const out = pipeline.nodes.find((n) => n.id === 'out');
  const nodes = pipeline.nodes.map((n) => (n === out ? { id: 'out', type: 'sink.preview' as const, config: { capacity: 10 } } : n));
  const cpu = process.cpuUsage();
  const started = monotonicMs();
  const summary = await createRun({ ...pipeline, name: `${pipeline.name}-alone`, nodes }, { lakeDir: join(ctx.workDir, 'lake'), homeDir: join(ctx.workDir, 'home-alone'), checkpointDir: join(ctx.workDir, 'chk-alone') }).start();
  if (summary.status !== 'finished') throw new Error(`the run into sink.preview ${summary.status}: ${summary.error?.message ?? ''}`);
  const used = process.cpuUsage(cpu);
  return { rate: summary.eventsIn / ((monotonicMs() - started) / 1000), cpuMs: (used.user + used.system) / 1000 };
}

/**
 * CPU per event of the pipeline (this process + the server) next to the server's bulk path (client +
 * server), and of the same pipeline into sink.preview (what the sink adds is the difference).
 */
export function cpuNote(events: number, ownMs: number, serverMs: number, aloneMs: number, referenceEvents: number, referenceMs: number, reference: string): string {
  const per = (ms: number, n: number): number => (ms * 1000) / Math.max(1, n);
  const pipeline = per(ownMs + serverMs, events);
  const bulk = per(referenceMs, referenceEvents);
  return `CPU per event: pipeline ${pipeline.toFixed(2)} µs (this process ${per(ownMs, events).toFixed(2)}, of it the engine without the sink ${per(aloneMs, events).toFixed(2)}; server ${per(serverMs, events).toFixed(2)}), `
    + `${reference} ${bulk.toFixed(2)} µs (client + server); ratio by CPU ${(bulk / pipeline).toFixed(2)}x`;
}

function doc(file: string, windowed: boolean): PipelineDoc {
  return windowed
    ? {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-window-postgres',
      nodes: [
        { id: 'orders', type: 'source.file', config: { path: file, format: 'jsonl' } },
        { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
        { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
        { id: 'out', type: 'sink.postgres', config: { connection: 'bench', table: 'sales_by_region' } },
      ],
      edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
    }
    : {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-append-postgres',
      nodes: [
        { id: 'orders', type: 'source.file', config: { path: file, format: 'jsonl' } },
        { id: 'out', type: 'sink.postgres', config: { connection: 'bench', table: 'orders' } },
      ],
      edges: [{ from: 'orders', to: 'out' }],
    };
}

async function measure(ctx: BenchContext, windowed: boolean): Promise<BenchResult> {
  const count = Number(process.env.STREAMLAKE_BENCH_EVENTS ?? defaultCount);
  const file = await salesFile(ctx, count);
  const server = await startPostgres();
  try {
    const home = join(ctx.workDir, 'home');
    await new PostgresConnectionStore(home).save({ name: 'bench', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
    // first the pipeline into sink.preview: the engine's ceiling here, and it loads and warms the code the
    // measured run uses (one-time costs are not throughput)
    const { rate: alone, cpuMs: aloneMs } = await engineAlone(ctx, doc(file, windowed));
    const rss = ctx.trackRss();
    const serverCpu = await settledServerCpuMs(server.dir);
    const cpu = process.cpuUsage();
    const started = monotonicMs();
    const run = createRun(doc(file, windowed), { lakeDir: join(ctx.workDir, 'lake'), homeDir: home, checkpointDir: join(ctx.workDir, 'chk'), onEvent: (e) => { if (e.type === 'checkpoint') ctx.log(`checkpoint ${e.checkpointId}: ${Math.round(e.durationMs)} ms`); } });
    const summary = await run.start();
    const seconds = (monotonicMs() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const peakRssMb = rss.stop();
    const serverMs = await settledServerCpuMs(server.dir) - serverCpu;
    if (summary.status !== 'finished') throw new Error(`the run ${summary.status}: ${summary.error?.message ?? ''}`);
    const sink = summary.sinks.out ?? { rows: 0 };
    const reference = await copyReference(ctx, server, file);
    const eventsPerSecond = summary.eventsIn / seconds;
    const copyRate = reference.events / reference.seconds;
    return {
      events: summary.eventsIn,
      seconds,
      eventsPerSecond,
      peakRssMb,
      references: [
        { name: 'psql \\copy of the same events (COPY text, server bulk path)', eventsPerSecond: copyRate, seconds: reference.seconds },
        { name: 'the same pipeline into sink.preview (the engine without the sink: its ceiling)', eventsPerSecond: alone },
      ],
      targets: { eventsPerSecond: copyRate * 0.5 },
      notes: [
        cpuNote(summary.eventsIn, (used.user + used.system) / 1000, serverMs, aloneMs, reference.events, reference.cpuMs, 'psql \\copy'),
        `${String(sink.rows)} rows committed in ${String(sink.batches ?? '?')} transactions (${summary.checkpoints} checkpoints), ${((sink.commitMs as number | undefined) ?? 0) / 1000} s in commits`,
        `ratio to psql \\copy: ${(eventsPerSecond / copyRate).toFixed(2)}x (the engine without the sink: ${(alone / copyRate).toFixed(2)}x)`,
      ],
    };
  } finally {
    server.destroy();
  }
}

registerWorkload({
  name: 'file-append-postgres',
  description: '1 M sales events from JSONL → sink.postgres (COPY, exactly once), next to psql \\copy of the same events',
  run: (ctx) => measure(ctx, false),
});

registerWorkload({
  name: 'file-window-postgres',
  description: '1 M sales events from JSONL → filter → tumbling 1-minute window by region → sink.postgres (upserts), next to psql \\copy of the events',
  run: (ctx) => measure(ctx, true),
});
