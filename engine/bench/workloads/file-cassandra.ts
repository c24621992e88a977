// file-append-cassandra / file-window-cassandra: a JSON Lines file of sales events → sink.cassandra
// (prepared unlogged batches per checkpoint, keyed by the sink's row id; or filter → tumbling 1-minute
// window by region → upserts by region and window_start), checkpoints on as the CLI runs them; next to the
// driver's own bulk path in the same run: cassandra-driver's `concurrent.executeConcurrent` of a prepared
// INSERT over the same file's rows (read and parsed inside the timing, like the sink), into a table of the
// same shape. The server is Cassandra 5.0 from engine/sinks/cassandra/server.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auth, Client, concurrent, types } from 'cassandra-driver';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { CassandraConnectionStore } from '../../sinks/cassandra/connections.ts';
import { startCassandra, type CassandraServer } from '../../sinks/cassandra/server.ts';
import { processCpuMs, registerWorkload, type BenchContext, type BenchResult } from '../workload.ts';
import { cpuNote, engineAlone } from './file-postgres.ts';
import { salesFile } from './kafka-common.ts';

/** Fewer than the other sinks' 1 M: a single local node writes some thousand rows per second here. */
const defaultCount = 200_000;

function connect(server: CassandraServer): Client {
  return new Client({ contactPoints: [`${server.host}:${server.port}`], localDataCenter: 'datacenter1', authProvider: new auth.PlainTextAuthProvider(server.user, server.password), queryOptions: { consistency: types.consistencies.localQuorum, prepare: true } });
}

/** The driver's rate and CPU (this process + the server) over the same file. */
async function driverReference(client: Client, server: CassandraServer, file: string): Promise<{ rate: number; cpuMs: number }> {
  await client.execute('CREATE TABLE bench.copy_reference (streamlake_id text PRIMARY KEY, order_id text, customer_id text, product text, category text, region text, quantity bigint, unit_price double, amount double, event_time timestamp)');
  const serverCpu = processCpuMs(server.dir);
  const cpu = process.cpuUsage();
  const started = monotonicMs();
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  const params = lines.map((line, i) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    return [`ref/${i}`, e.order_id, e.customer_id, e.product, e.category, e.region, e.quantity, e.unit_price, e.amount, new Date(String(e.event_time))];
  });
  await concurrent.executeConcurrent(client, 'INSERT INTO bench.copy_reference (streamlake_id, order_id, customer_id, product, category, region, quantity, unit_price, amount, event_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', params,
    { concurrencyLevel: 128, raiseOnFirstError: true });
  const rate = lines.length / ((monotonicMs() - started) / 1000);
  const used = process.cpuUsage(cpu);
  return { rate, cpuMs: (used.user + used.system) / 1000 + processCpuMs(server.dir) - serverCpu };
}

function doc(file: string, windowed: boolean): PipelineDoc {
  const source = { id: 'orders', type: 'source.file' as const, config: { path: file, format: 'jsonl' as const } };
  return windowed
    ? {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-window-cassandra',
      nodes: [
        source,
        { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
        { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
        { id: 'out', type: 'sink.cassandra', config: { connection: 'bench', keyspace: 'bench', table: 'sales_by_region', key: ['region', 'window_start'] } },
      ],
      edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
    }
    : {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-append-cassandra',
      nodes: [source, { id: 'out', type: 'sink.cassandra', config: { connection: 'bench', keyspace: 'bench', table: 'orders' } }],
      edges: [{ from: 'orders', to: 'out' }],
    };
}

async function measure(ctx: BenchContext, windowed: boolean): Promise<BenchResult> {
  const count = Number(process.env.STREAMLAKE_BENCH_EVENTS ?? defaultCount);
  const file = await salesFile(ctx, count);
  // periodic commit-log sync, Cassandra's default (the tests use group sync so a killed server keeps every acknowledged write)
  const server = await startCassandra({ heapMb: 1024, commitlog: 'periodic' });
  const client = connect(server);
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    const home = join(ctx.workDir, 'home');
    await new CassandraConnectionStore(home).save({ name: 'bench', host: server.host, port: server.port, user: server.user, password: server.password });
    // the engine alone first: its ceiling, and it loads the code the measured run uses
    const { cpuMs: aloneMs } = await engineAlone(ctx, doc(file, windowed));
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
    const eventsPerSecond = summary.eventsIn / seconds;
    const { rate: driverRate, cpuMs: driverMs } = await driverReference(client, server, file);
    return {
      events: summary.eventsIn,
      seconds,
      eventsPerSecond,
      peakRssMb,
      references: [{ name: 'cassandra-driver executeConcurrent (128 in flight) of a prepared INSERT over the same file', eventsPerSecond: driverRate }],
      targets: { eventsPerSecond: driverRate * 0.5 },
      notes: [
        `${String(sink.rows)} rows committed in ${String(sink.batches ?? '?')} commits (${summary.checkpoints} checkpoints), ${((sink.commitMs as number | undefined) ?? 0) / 1000} s in commits`,
        `ratio to the driver's executeConcurrent: ${(eventsPerSecond / driverRate).toFixed(2)}x`,
        'both at LOCAL_QUORUM (the sink\'s default) on one node',
        cpuNote(summary.eventsIn, (used.user + used.system) / 1000, serverMs, aloneMs, summary.eventsIn, driverMs, 'executeConcurrent'),
      ],
    };
  } finally {
    await client.shutdown();
    await server.destroy();
  }
}

registerWorkload({
  name: 'file-append-cassandra',
  description: '200 k sales events from JSONL → sink.cassandra (prepared unlogged batches per checkpoint), next to the driver\'s executeConcurrent over the same file',
  run: (ctx) => measure(ctx, false),
});

registerWorkload({
  name: 'file-window-cassandra',
  description: '200 k sales events from JSONL → filter → tumbling 1-minute window by region → sink.cassandra upserts, next to the driver\'s executeConcurrent over the file',
  run: (ctx) => measure(ctx, true),
});
