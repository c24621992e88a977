// file-append-clickhouse / file-window-clickhouse: a JSON Lines file of sales events → sink.clickhouse
// (appends: RowBinary streamed over HTTP into a stage table while the file is read, which the server
// writes as parts of the table's shape as they come and the commit attaches to the table, created before
// the run like clickhouse-client's; or filter → tumbling 1-minute window by region → ReplacingMergeTree),
// checkpoints on as the CLI runs them; next to ClickHouse's own bulk path in the same run:
// `clickhouse-client --query "INSERT … FORMAT JSONEachRow" < file` of the same file into a table of the
// same shape. The server is Debian's clickhouse-server (engine/sinks/clickhouse/server.ts).
//
// Where the append time goes (1 M events, `node --cpu-prof`, shared 2-core machine, Dec 2026): before,
// the sink cost ~3.5-3.9 µs/event in this process (v8 staging 0.6-0.7 µs plus the GC it brings, TSV
// strings ~1 µs, the TSV body rebuilt at commit 0.3 µs) and 1.5-1.8 s of commit after the input ended;
// with RowBinary streamed into the stage it is ~2.2 µs/event, of which the shared v8 staging file
// (engine/sinks/staging.ts) and its GC are ~2 µs (without it the sink adds ~0.5 µs), and the commit
// (the INSERT … SELECT of the stage) takes 0.3-0.6 s. Staging exact batches as that RowBinary instead
// (sinks/clickhouse/codec.ts) brought this process to 2.0-2.6 µs/event (load average 8-15; the engine
// alone 1.3-1.8 of it), the wall ratio to clickhouse-client from ~0.17x to ~0.45x (engine/sinks/README.md).
import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { ClickHouseConnectionStore } from '../../sinks/clickhouse/connections.ts';
import { clickhouse, clickhouseJson } from '../../sinks/clickhouse/http.ts';
import { startClickHouse, type ClickHouseServer } from '../../sinks/clickhouse/server.ts';
import { processCpuMs, registerWorkload, waitedChildrenCpuMs, type BenchContext, type BenchResult } from '../workload.ts';
import { cpuNote, engineAlone } from './file-postgres.ts';
import { salesFile } from './kafka-common.ts';

const defaultCount = 1_000_000;
/** The sales events' columns as sink.clickhouse types them (engine/sinks/README.md). */
const SALES_COLUMNS = "order_id Nullable(String), customer_id Nullable(String), product Nullable(String), category Nullable(String), region Nullable(String), quantity Nullable(Int64), unit_price Nullable(Float64), amount Nullable(Float64), event_time Nullable(DateTime('UTC'))";

async function clientReference(server: ClickHouseServer, file: string, events: number): Promise<{ rate: number; cpuMs: number }> {
  const ep = { url: server.url, user: server.user, password: server.password };
  await clickhouse(ep, `CREATE TABLE copy_reference (${SALES_COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
  const input = openSync(file, 'r');
  try {
    const cpu = processCpuMs(server.dir) + waitedChildrenCpuMs();
    const started = monotonicMs();
    const r = spawnSync('clickhouse-client', ['--host', '127.0.0.1', '--port', String(server.tcpPort), '--user', server.user, '--password', server.password,
      '--date_time_input_format', 'best_effort', '--query', 'INSERT INTO copy_reference FORMAT JSONEachRow'], { stdio: [input, 'pipe', 'pipe'], encoding: 'utf8' });
    const seconds = (monotonicMs() - started) / 1000;
    const cpuMs = processCpuMs(server.dir) + waitedChildrenCpuMs() - cpu;
    if (r.status !== 0) throw new Error(`clickhouse-client failed: ${r.stderr}`);
    return { rate: events / seconds, cpuMs };
  } finally {
    closeSync(input);
  }
}

function doc(file: string, windowed: boolean): PipelineDoc {
  const source = { id: 'orders', type: 'source.file' as const, config: { path: file, format: 'jsonl' as const } };
  return windowed
    ? {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-window-clickhouse',
      nodes: [
        source,
        { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
        { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
        // no "key": the sink takes it from the window (NodeContext.upsertKey)
        { id: 'out', type: 'sink.clickhouse', config: { connection: 'bench', table: 'sales_by_region' } },
      ],
      edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
    }
    : {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-append-clickhouse',
      nodes: [source, { id: 'out', type: 'sink.clickhouse', config: { connection: 'bench', table: 'orders' } }],
      edges: [{ from: 'orders', to: 'out' }],
    };
}

async function measure(ctx: BenchContext, windowed: boolean): Promise<BenchResult> {
  const count = Number(process.env.STREAMLAKE_BENCH_EVENTS ?? defaultCount);
  const file = await salesFile(ctx, count);
  const server = await startClickHouse();
  try {
    const home = join(ctx.workDir, 'home');
    await new ClickHouseConnectionStore(home).save({ name: 'bench', url: server.url, user: server.user, password: server.password });
    // first the pipeline into sink.preview: the engine's ceiling here, and it loads and warms the code the
    // measured run uses (one-time costs are not throughput)
    const { rate: alone, cpuMs: aloneMs } = await engineAlone(ctx, doc(file, windowed));
    // appends: the table exists before the run, as clickhouse-client's does (and as it does for every
    // checkpoint of a pipeline after its first): the sink then streams into a stage of the table's shape
    // and attaches it at the commit (sinks/clickhouse/stage.ts). This is the DDL the sink itself creates.
    if (!windowed) await clickhouse({ url: server.url, user: server.user, password: server.password }, `CREATE TABLE orders (${SALES_COLUMNS}, _streamlake_batch String) ENGINE = MergeTree ORDER BY tuple()`);
    const rss = ctx.trackRss();
    const serverCpu = processCpuMs(server.dir);
    const cpu = process.cpuUsage();
    const started = monotonicMs();
    const run = createRun(doc(file, windowed), { lakeDir: join(ctx.workDir, 'lake'), homeDir: home, checkpointDir: join(ctx.workDir, 'chk') });
    const summary = await run.start();
    const seconds = (monotonicMs() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const serverMs = processCpuMs(server.dir) - serverCpu;
    const peakRssMb = rss.stop();
    if (summary.status !== 'finished') throw new Error(`the run ${summary.status}: ${summary.error?.message ?? ''}`);
    const sink = summary.sinks.out ?? { rows: 0 };
    // how the appends reached the table: attached stages (recorded in streamlake_attaches) or moved
    const attached = windowed ? [] : await clickhouseJson<{ n: string; rows: string }>({ url: server.url, user: server.user, password: server.password }, 'SELECT count() AS n, sum(row_count) AS rows FROM streamlake_attaches').catch(() => []);
    const eventsPerSecond = summary.eventsIn / seconds;
    const { rate: clientRate, cpuMs: clientMs } = await clientReference(server, file, summary.eventsIn);
    return {
      events: summary.eventsIn,
      seconds,
      eventsPerSecond,
      peakRssMb,
      references: [
        { name: 'clickhouse-client INSERT … FORMAT JSONEachRow < the same file', eventsPerSecond: clientRate },
        { name: 'the same pipeline into sink.preview (the engine without the sink: its ceiling)', eventsPerSecond: alone },
      ],
      targets: { eventsPerSecond: clientRate * 0.5 },
      notes: [
        cpuNote(summary.eventsIn, (used.user + used.system) / 1000, serverMs, aloneMs, summary.eventsIn, clientMs, 'clickhouse-client'),
        `${String(sink.rows)} rows committed in ${String(sink.batches ?? '?')} inserts (${summary.checkpoints} checkpoints), ${((sink.commitMs as number | undefined) ?? 0) / 1000} s in commits${windowed ? '' : `; ${attached[0]?.n ?? 0} stages attached (${attached[0]?.rows ?? 0} rows), the rest moved`}`,
        `ratio to clickhouse-client: ${(eventsPerSecond / clientRate).toFixed(2)}x (the engine without the sink: ${(alone / clientRate).toFixed(2)}x)`,
      ],
    };
  } finally {
    await server.destroy();
  }
}

registerWorkload({
  name: 'file-append-clickhouse',
  description: '1 M sales events from JSONL → sink.clickhouse (one block per checkpoint), next to clickhouse-client INSERT of the same file',
  run: (ctx) => measure(ctx, false),
});

registerWorkload({
  name: 'file-window-clickhouse',
  description: '1 M sales events from JSONL → filter → tumbling 1-minute window by region → sink.clickhouse, next to clickhouse-client INSERT of the file',
  run: (ctx) => measure(ctx, true),
});
