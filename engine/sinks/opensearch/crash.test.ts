// sink.opensearch under kill -9: `streamlake run` (the CLI, a child process) runs a rate-limited generator
// into two OpenSearch sinks, raw orders appended (ids by checkpoint and position: no id expression) and
// per-second totals upserted by their key, with checkpoints every 300 ms. It is killed with SIGKILL at
// random moments and at the injected fault points around the sink commit (including
// opensearch.before-commit-log: the bulk landed, the log entry did not), then run until it finishes. Both
// indices must then equal what the generator's events give, computed here in plain TypeScript: every order
// exactly once, every window's totals exact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { killLoop } from '../testing.ts';
import { OpenSearchConnectionStore } from './connections.ts';
import { startOpenSearch, type OpenSearchServer } from './server.ts';
import { allDocs } from './testing.ts';

const count = 25_000;
const seed = 11;
/** Events per second; the generator spaces event times by it too. */
const rate = 2500;
const windowMs = 1000;
let server: OpenSearchServer;
let dir: string;

before(async () => {
  server = await startOpenSearch();
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-oscrash-'));
});
after(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('kill -9 loop: raw and windowed OpenSearch indices equal the generated events exactly', async () => {
  const home = path.join(dir, 'home');
  await new OpenSearchConnectionStore(home).save({ name: 'crash', url: server.url });
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'os_crash',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed, eventsPerSecond: rate, partitions: 2 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.opensearch', config: { connection: 'crash', index: 'crash-orders' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: `${windowMs}ms`, watermarkDelay: '100ms', allowedLateness: '1d', groupBy: ['region'], aggregates: { n: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'totals', type: 'sink.opensearch', config: { connection: 'crash', index: 'crash-totals', key: ['region', 'window_start'] } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }, { from: 'pick', to: 'per_min' }, { from: 'per_min', to: 'totals' }],
  };
  const docPath = path.join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake'), '--checkpoint-dir', path.join(dir, 'chk'), '--checkpoint-interval', '300ms'];

  // fault points, and kills at random moments once the CLI is up (start-up takes ~1.5 s here)
  await killLoop(args, home, ['sink.before-commit@3', 2500, 'opensearch.before-commit-log@3', 'sink.after-commit@4', 2000, 'opensearch.before-commit-log@2', 'checkpoint.after-write@2', 2200, 2600]);

  const events = [...generateEvents('sales_orders', { count, seed, partitions: 2, eventsPerSecond: rate })];
  const raw = (await allDocs(server.url, 'crash-orders')).map((x) => x._source);
  assert.equal(raw.length, count, 'every order exactly once');
  const want = new Map(events.map((e) => [String(e.order_id), Number(e.amount)]));
  for (const row of raw) assert.equal(row.amount, want.get(String(row.order_id)), String(row.order_id));
  assert.equal(new Set(raw.map((r) => r.order_id)).size, count);

  const totals = new Map<string, { n: number; revenue: number }>();
  for (const e of events) {
    const key = `${String(e.region)}@${Math.floor((e.event_time as Date).getTime() / windowMs) * windowMs}`;
    const t = totals.get(key) ?? { n: 0, revenue: 0 };
    t.n += 1;
    t.revenue += Number(e.amount);
    totals.set(key, t);
  }
  const rows = (await allDocs(server.url, 'crash-totals')).map((x) => x._source);
  assert.equal(rows.length, totals.size);
  for (const row of rows) {
    const t = totals.get(`${String(row.region)}@${Date.parse(String(row.window_start))}`);
    assert.ok(t, `unexpected window ${String(row.region)} ${String(row.window_start)}`);
    assert.equal(row.n, t.n);
    assert.ok(Math.abs(Number(row.revenue) - t.revenue) < 1e-6, `${String(row.region)} ${String(row.window_start)}: ${String(row.revenue)} vs ${t.revenue}`);
  }
});
