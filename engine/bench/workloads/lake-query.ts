// lake-query: a 10 M-row sales table written in 50 commits through the real lake writer, then five
// representative queries through the query service, each timed N times (p50/p95). The table is built
// once and cached under .cache/bench (rebuilt when it does not look exactly as expected).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cpus, loadavg } from 'node:os';
import { openLake, withConnection } from '../../lake/index.ts';
import { createLakeQuery } from '../../lake/query/index.ts';
import type { Row } from '../../runtime/types.ts';
import { registerWorkload } from '../workload.ts';

export const salesRows = 10_000_000;
export const salesCommits = 50;
const regions = ['north', 'south', 'east', 'west', 'central'];
const products = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}`);
const start = Date.UTC(2026, 0, 1);
/** One order every 250 ms of event time: 10 M orders span about 29 days. */
const stepMs = 250;

export const queries: { name: string; sql: string }[] = [
  { name: 'filtered count', sql: "SELECT count(*) AS n FROM sales WHERE amount > 900 AND product = 'p07'" },
  { name: 'group-by all rows', sql: 'SELECT region, product, count(*) AS orders, sum(amount) AS revenue FROM sales GROUP BY region, product' },
  {
    name: 'time-bucketed aggregate',
    sql: "SELECT time_bucket(INTERVAL '1 hour', ts) AS hour, sum(amount) AS revenue FROM sales GROUP BY hour ORDER BY hour",
  },
  { name: 'top-N', sql: 'SELECT customer_id, sum(amount) AS spent FROM sales GROUP BY customer_id ORDER BY spent DESC LIMIT 10' },
  { name: 'point lookup by partition', sql: "SELECT * FROM sales WHERE region = 'east' AND order_id = 7654322" },
];

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function batch(commit: number, size: number): Row[] {
  const next = random(commit + 1);
  const rows: Row[] = new Array<Row>(size);
  for (let i = 0; i < size; i++) {
    const orderId = commit * size + i;
    rows[i] = {
      order_id: orderId,
      ts: new Date(start + orderId * stepMs),
      // order_id decides the region, so the point lookup knows where its row lives.
      region: regions[orderId % regions.length],
      product: products[Math.floor(next() * products.length)],
      customer_id: Math.floor(next() * 200_000),
      quantity: 1 + Math.floor(next() * 5),
      amount: Math.round(next() * 100_000) / 100,
    };
  }
  return rows;
}

/** True when `lakeDir` already holds the finished benchmark table. */
async function isBuilt(lakeDir: string): Promise<boolean> {
  try {
    const table = await openLake(lakeDir).table('sales');
    const head = table.resolve();
    return table.snapshots().length === salesCommits && head?.summary['total-records'] === String(salesRows);
  } catch {
    return false;
  }
}

/** Writes the sales table (unless cached); returns the seconds spent writing, or null when cached. */
export async function buildSales(lakeDir: string, log: (message: string) => void): Promise<number | null> {
  if (await isBuilt(lakeDir)) return null;
  await rm(lakeDir, { recursive: true, force: true });
  const lake = openLake(lakeDir);
  const table = await lake.createTable('sales', {
    fields: [
      { name: 'order_id', required: true, type: 'long' },
      { name: 'ts', required: true, type: 'timestamptz' },
      { name: 'region', required: true, type: 'string' },
      { name: 'product', required: true, type: 'string' },
      { name: 'customer_id', required: true, type: 'long' },
      { name: 'quantity', required: true, type: 'int' },
      { name: 'amount', required: true, type: 'double' },
    ],
    partitionBy: ['region'],
  });
  const size = salesRows / salesCommits;
  const begin = performance.now();
  for (let commit = 0; commit < salesCommits; commit++) {
    await table.append(batch(commit, size), { summary: { 'bench-commit': String(commit) } });
    if ((commit + 1) % 10 === 0) log(`lake-query: wrote ${commit + 1}/${salesCommits} commits`);
  }
  return (performance.now() - begin) / 1000;
}

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface QueryTiming {
  name: string;
  rows: number;
  p50Ms: number;
  p95Ms: number;
}

/** Runs each query once to warm up, then `iterations` times, reading every page. */
export async function timeQueries(lakeDir: string, iterations: number): Promise<QueryTiming[]> {
  const lake = createLakeQuery(lakeDir);
  const out: QueryTiming[] = [];
  try {
    for (const query of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i <= iterations; i++) {
        const begin = performance.now();
        const handle = await lake.query(query.sql, { pageSize: 1000 });
        rows = 0;
        for (;;) {
          const page = await handle.nextPage();
          rows += page.rows.length;
          if (page.done) break;
        }
        if (i > 0) times.push(performance.now() - begin);
      }
      times.sort((a, b) => a - b);
      out.push({ name: query.name, rows, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) });
    }
  } finally {
    lake.close();
  }
  return out;
}

/**
 * The same queries straight on DuckDB over the table's Parquet files (a glob, no views, no field-id
 * mapping, no pruning): what the query service adds is the difference.
 */
export async function timeRawDuckDb(lakeDir: string, iterations: number): Promise<{ name: string; p50Ms: number }[]> {
  const glob = path.join(lakeDir, 'sales', 'data', '*', '*.parquet').replaceAll("'", "''");
  return withConnection(async (connection) => {
    const out: { name: string; p50Ms: number }[] = [];
    for (const query of queries) {
      const sql = query.sql.replace(/\bFROM sales\b/, `FROM read_parquet('${glob}')`);
      const times: number[] = [];
      for (let i = 0; i <= iterations; i++) {
        const begin = performance.now();
        await connection.runAndReadAll(sql);
        if (i > 0) times.push(performance.now() - begin);
      }
      times.sort((a, b) => a - b);
      out.push({ name: query.name, p50Ms: round(percentile(times, 50)) });
    }
    return out;
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

const iterations = 15;
const rawIterations = 5;
const targetP95Ms = 100;

registerWorkload({
  name: 'lake-query',
  description: `five queries over a ${salesRows / 1e6} M-row lake table written in ${salesCommits} commits: p50/p95 each (target p95 < ${targetP95Ms} ms)`,
  async run(ctx) {
    const lakeDir = path.join(ctx.cacheDir, `lake-query-${salesRows}-${salesCommits}`);
    const buildSeconds = await buildSales(lakeDir, ctx.log);
    const rss = ctx.trackRss();
    const begin = performance.now();
    const timings = await timeQueries(lakeDir, iterations);
    const seconds = (performance.now() - begin) / 1000;
    const peakRssMb = rss.stop();
    const raw = await timeRawDuckDb(lakeDir, rawIterations);
    const all = timings.map((t) => t.p95Ms);
    return {
      seconds,
      peakRssMb,
      latencyMs: { p50: Math.max(...timings.map((t) => t.p50Ms)), p95: Math.max(...all), p99: Math.max(...all) },
      queries: timings,
      references: raw.map((r) => ({ name: `raw DuckDB ${r.name}`, seconds: r.p50Ms / 1000, note: `p50 of ${rawIterations}, read_parquet glob` })),
      notes: [
        ...timings.map((t) => `${t.name.padEnd(26)} p50 ${t.p50Ms} ms  p95 ${t.p95Ms} ms  (${t.rows} rows)${t.p95Ms < targetP95Ms ? '' : `  over the ${targetP95Ms} ms target`}`),
        `${iterations} timed runs per query after one warm-up; latency line = slowest query`,
        buildSeconds === null ? 'table reused from the bench cache' : `table written in ${buildSeconds.toFixed(1)} s through the lake writer`,
        `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      ],
    };
  },
});
