// file-append-opensearch / file-window-opensearch: a JSON Lines file of sales events → sink.opensearch
// (the `_bulk` API at each checkpoint, ids by checkpoint and position), or filter → tumbling 1-minute
// window by region → documents keyed by region and window; checkpoints on as the CLI runs them. Next to
// OpenSearch's own bulk path in the same run: curl posting the same events as `_bulk` NDJSON files of
// 5,000 documents (the sink's chunk size), two at a time (the sink's requests in flight), into an index
// with the mapping the sink created. The node is the integ-test distribution (engine/sinks/opensearch/server.ts).
// Both are measured on a warmed node: a fresh JVM spent 92.6 µs CPU per document on its first million
// (JIT compilation of the indexing path) against 48.8 µs on the same curl run next, and the sink, measured
// first, used to pay that alone (its own requests cost the server what curl's do: 50.5 µs on a warm node).
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { OpenSearchConnectionStore } from '../../sinks/opensearch/connections.ts';
import { startOpenSearch, type OpenSearchServer } from '../../sinks/opensearch/server.ts';
import { rest } from '../../sinks/opensearch/testing.ts';
import { processCpuMs, registerWorkload, waitedChildrenCpuMs, type BenchContext, type BenchResult } from '../workload.ts';
import { cpuNote, engineAlone } from './file-postgres.ts';
import { salesFile } from './kafka-common.ts';

const defaultCount = 1_000_000;
const chunkDocs = 5000;

/** The events file as `_bulk` bodies of chunkDocs documents each. */
async function bulkFiles(file: string, dir: string, index: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let out: WriteStream | null = null;
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    if (n % chunkDocs === 0) {
      if (out) { out.end(); await once(out, 'finish'); }
      const name = join(dir, `bulk-${files.length}.ndjson`);
      files.push(name);
      out = createWriteStream(name);
    }
    const w = out as WriteStream;
    if (!w.write(`{"index":{"_index":"${index}","_id":"${n}"}}\n${line}\n`)) await once(w, 'drain');
    n++;
  }
  if (out) { out.end(); await once(out, 'finish'); }
  return files;
}

/** curl's rate and CPU (client + server) for the same events as `_bulk` files into `index`, with the mapping of `mappingFrom`. */
async function curlReference(ctx: BenchContext, server: OpenSearchServer, file: string, events: number, mappingFrom: string, index = 'bulk-reference'): Promise<{ rate: number; cpuMs: number }> {
  const mapping = await rest<Record<string, { mappings: unknown }>>(server.url, 'GET', `/${mappingFrom}/_mapping`);
  await rest(server.url, 'PUT', `/${index}`, { mappings: Object.values(mapping)[0]?.mappings ?? {} });
  const files = await bulkFiles(file, join(ctx.workDir, index), index);
  const args = ['--parallel', '--parallel-max', '2'];
  // one operation per file (options after --next apply to that request only)
  files.forEach((f, i) => args.push(...(i > 0 ? ['--next'] : []), '-s', '-o', '/dev/null', '-w', '%{http_code}\n', '-H', 'content-type: application/x-ndjson', '--data-binary', `@${f}`, `${server.url}/_bulk`));
  const cpu = processCpuMs(server.dir) + waitedChildrenCpuMs();
  const started = monotonicMs();
  const r = spawnSync('curl', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (monotonicMs() - started) / 1000;
  const cpuMs = processCpuMs(server.dir) + waitedChildrenCpuMs() - cpu;
  if (r.status !== 0 || r.stdout.split('\n').filter(Boolean).some((code) => code !== '200')) throw new Error(`curl _bulk failed (${r.status}): ${r.stderr} ${r.stdout.slice(0, 200)}`);
  await rest(server.url, 'POST', `/${index}/_refresh`);
  const count = await rest<{ count: number }>(server.url, 'GET', `/${index}/_count`);
  if (count.count !== events) throw new Error(`curl _bulk indexed ${count.count} of ${events} documents`);
  return { rate: events / seconds, cpuMs };
}

function doc(file: string, windowed: boolean, index = 'orders', name = 'bench-file-append-opensearch'): PipelineDoc {
  const source = { id: 'orders', type: 'source.file' as const, config: { path: file, format: 'jsonl' as const } };
  return windowed
    ? {
      format: 'streamlake.pipeline', version: 1, name: 'bench-file-window-opensearch',
      nodes: [
        source,
        { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
        { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
        { id: 'out', type: 'sink.opensearch', config: { connection: 'bench', index: 'sales-by-region', key: ['region', 'window_start'] } },
      ],
      edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
    }
    : {
      format: 'streamlake.pipeline', version: 1, name,
      nodes: [source, { id: 'out', type: 'sink.opensearch', config: { connection: 'bench', index } }],
      edges: [{ from: 'orders', to: 'out' }],
    };
}

async function measure(ctx: BenchContext, windowed: boolean): Promise<BenchResult> {
  const count = Number(process.env.STREAMLAKE_BENCH_EVENTS ?? defaultCount);
  const file = await salesFile(ctx, count);
  const server = await startOpenSearch({ log: ctx.log });
  try {
    const home = join(ctx.workDir, 'home');
    await new OpenSearchConnectionStore(home).save({ name: 'bench', url: server.url });
    // the engine alone first: its ceiling, and it loads the code the measured run uses
    const { cpuMs: aloneMs } = await engineAlone(ctx, doc(file, windowed));
    // the node warmed by curl _bulk of the same events (the mapping the sink gives them, from 1,000 of them),
    // then that index dropped: both measured runs below find the indexing path compiled (the mapping run has
    // a pipeline name of its own: the measured run's commit log entry must not exist yet)
    const mapped = await createRun(doc(file, false, 'warm-up-mapping', 'bench-opensearch-warm-up'), { lakeDir: join(ctx.workDir, 'lake-warm'), homeDir: home, checkpointDir: join(ctx.workDir, 'chk-warm'), maxEvents: 1000 }).start();
    if (mapped.status !== 'finished') throw new Error(`the mapping run ${mapped.status}: ${mapped.error?.message ?? ''}`);
    const warm = await curlReference(ctx, server, file, count, 'warm-up-mapping', 'warm-up');
    await rest(server.url, 'DELETE', '/warm-up,warm-up-mapping');
    await rm(join(ctx.workDir, 'warm-up'), { recursive: true, force: true });
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
    // the reference index takes the mapping the sink gave the raw events (the windowed run's index holds aggregates)
    if (windowed) {
      const raw = createRun(doc(file, false), { lakeDir: join(ctx.workDir, 'lake2'), homeDir: home, checkpointDir: join(ctx.workDir, 'chk2'), maxEvents: 1000 });
      const s = await raw.start();
      if (s.status !== 'finished') throw new Error(`the mapping run ${s.status}: ${s.error?.message ?? ''}`);
    }
    const { rate: curlRate, cpuMs: curlMs } = await curlReference(ctx, server, file, summary.eventsIn, 'orders');
    const perDoc = (ms: number): string => ((ms * 1000) / Math.max(1, summary.eventsIn)).toFixed(2);
    return {
      events: summary.eventsIn,
      seconds,
      eventsPerSecond,
      peakRssMb,
      references: [{ name: 'curl _bulk of the same events (5,000 documents a request, 2 in flight)', eventsPerSecond: curlRate }],
      targets: { eventsPerSecond: curlRate * 0.5 },
      notes: [
        `${String(sink.rows)} documents committed in ${String(sink.batches ?? '?')} checkpoint commits (${summary.checkpoints} checkpoints), ${((sink.commitMs as number | undefined) ?? 0) / 1000} s in commits`,
        `ratio to curl _bulk: ${(eventsPerSecond / curlRate).toFixed(2)}x`,
        cpuNote(summary.eventsIn, (used.user + used.system) / 1000, serverMs, aloneMs, summary.eventsIn, curlMs, 'curl _bulk'),
        `warm-up before both (curl _bulk of the events into a dropped index, on the fresh node): ${(warm.rate).toFixed(0)} events/s, ${perDoc(warm.cpuMs)} µs CPU per document (client + server)`,
      ],
    };
  } finally {
    await server.destroy();
  }
}

registerWorkload({
  name: 'file-append-opensearch',
  description: '1 M sales events from JSONL → sink.opensearch (_bulk at each checkpoint), next to curl _bulk of the same events',
  run: (ctx) => measure(ctx, false),
});

registerWorkload({
  name: 'file-window-opensearch',
  description: '1 M sales events from JSONL → filter → tumbling 1-minute window by region → sink.opensearch (documents keyed by window), next to curl _bulk of the events',
  run: (ctx) => measure(ctx, true),
});
