// Exactly-once from Kafka into the lake under crashes: the engine is killed with SIGKILL at random moments
// (at least 10 times) while it drains a topic into a raw table and a window table, and restarted each
// time. Then the raw table must hold every event exactly once and the window table must equal aggregates
// computed independently from the topic (read back with kcat). STREAMLAKE_CRASH_EVENTS sets the topic
// size (default 1 000 000, as the issue asks; about two minutes on our 2-core machines).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateEvents } from '../generator/index.ts';
import { openLake, readRows } from '../lake/index.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import type { Row } from '../runtime/types.ts';
import { createTestTopic, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { kcat } from '../testing/kcat.ts';

const worker = new URL('./crash/worker.ts', import.meta.url).pathname;
const topicEvents = Number(process.env.STREAMLAKE_CRASH_EVENTS ?? 1_000_000);
/** What a life that drained everything before its kill gets next. */
const refill = Math.min(topicEvents, 30_000);
const minKills = 10;
let broker: TestBroker;

before(async () => { broker = await useTestBroker(); });
after(async () => { await broker.release(); });

let produced = 0;
/** Generated sales events, written by kcat (random partition per message). */
function produceChunk(topic: string, dir: string, count: number): void {
  const lines: string[] = [];
  for (const row of generateEvents('sales_orders', { count, seed: 1 + produced, startTime: new Date(Date.UTC(2026, 0, 1) + produced * 200).toISOString() })) {
    lines.push(JSON.stringify({ ...row, order_id: `${produced + lines.length}` }));
  }
  const file = join(dir, `chunk-${produced}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-l', file]);
  produced += lines.length;
}

interface Life { exited: Promise<number | null>; child: ReturnType<typeof spawn>; ready: Promise<void>; output: string[] }

function startLife(args: string[], env: NodeJS.ProcessEnv): Life {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => { markReady = r; });
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    output.push(text);
    if (text.includes('ready')) markReady();
  });
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { markReady(); resolve(code); }));
  return { child, ready, exited, output };
}

test(`kill -9 at least ${minKills} times while draining into a raw and a window table: exactly once`, { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-crash-'));
  const topic = uniqueTopic('crash');
  await createTestTopic(broker.bootstrap, topic, 3);
  produceChunk(topic, dir, topicEvents);

  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'crash',
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { connection: 'local', topics: [topic], group: `${topic}-group`, format: 'json', startFrom: 'earliest', stopAtEnd: true } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', amount: 'amount', event_time: 'event_time', kafka_partition: '_partition', kafka_offset: '_offset' } } },
      { id: 'raw', type: 'sink.lake', config: { table: 'raw_orders', commitInterval: '1s' } },
      // A short idle timeout: a partition the group still gives to a killed life, or one waiting behind a
      // slow sink, has events at hand and must hold the watermark all the same. Counted idle after 1 s,
      // such partitions made 250-300 of the 2725 windows go missing or short (kcat -P's sticky partitioner
      // puts up to 10 minutes of the topic in one partition); after the default 30 s, 50 went missing once
      // in CI.
      { id: 'minute', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', idleTimeout: '1s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'by_minute', type: 'sink.lake', config: { table: 'orders_by_minute', commitInterval: '1s' } },
    ],
    edges: [
      { from: 'orders', to: 'pick' },
      { from: 'pick', to: 'raw' },
      { from: 'orders', to: 'minute' },
      { from: 'minute', to: 'by_minute' },
    ],
  };
  const docPath = join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const lakeDir = join(dir, 'lake');
  const args = [docPath, lakeDir, join(dir, 'home'), join(dir, 'checkpoints')];
  const env = { ...process.env, STREAMLAKE_KAFKA_BROKERS: broker.bootstrap, KAFKAJS_NO_PARTITIONER_WARNING: '1' };

  let kills = 0;
  let lives = 0;
  /** What each life printed (checkpoints, restores, warnings), for the message of a failed comparison. */
  const printed: string[][] = [];
  let random = 12345;
  const nextRandom = (): number => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  while (kills < minKills) {
    const life = startLife(args, env);
    printed.push(life.output);
    lives++;
    await life.ready;
    // Die somewhere between just-started and well into the drain.
    const wait = 200 + Math.floor(nextRandom() * 2500);
    const finished = await Promise.race([life.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), wait))]);
    if (finished) {
      const code = await life.exited;
      assert.equal(code, 0, `a life failed:\n${life.output.join('')}`);
      // Drained before enough kills: give it more to do.
      produceChunk(topic, dir, refill);
      continue;
    }
    life.child.kill('SIGKILL');
    await life.exited;
    kills++;
  }
  const last = startLife(args, env);
  printed.push(last.output);
  const code = await last.exited;
  assert.equal(code, 0, `the final run failed:\n${last.output.join('')}`);

  // Independent truth: the topic as kcat reads it.
  const events = kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-e', '-q', '-f', '%s\n']).trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.equal(events.length, produced);

  const lake = openLake(lakeDir);
  const raw = await readRows(await lake.table('raw_orders'));
  const ids = raw.map((r) => String(r.order_id));
  assert.equal(new Set(ids).size, ids.length, 'no event twice in the raw table');
  assert.equal(ids.length, produced, `every event in the raw table (${kills} kills, ${lives + 1} lives)`);

  const expected = new Map<string, { orders: number; revenue: number }>();
  for (const e of events) {
    const start = Math.floor(Date.parse(String(e.event_time)) / 60_000) * 60_000;
    const key = `${new Date(start).toISOString()}|${String(e.region)}`;
    const agg = expected.get(key) ?? { orders: 0, revenue: 0 };
    agg.orders++;
    agg.revenue += Number(e.amount);
    expected.set(key, agg);
  }
  const windows = await readRows(await lake.table('orders_by_minute'));
  const actual = new Map<string, { orders: number; revenue: number }>();
  for (const w of windows) {
    const key = `${(w.window_start as Date).toISOString()}|${String(w.region)}`;
    assert.equal(actual.has(key), false, `window ${key} appears once`);
    actual.set(key, { orders: Number(w.orders), revenue: Number(w.revenue) });
  }
  // Every difference at once, with what each life printed: a failure in CI cannot be rerun.
  const differences: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) differences.push(`${key} missing`);
    else if (got.orders !== want.orders) differences.push(`${key} count ${got.orders} vs ${want.orders}`);
    else if (!(Math.abs(got.revenue - want.revenue) < 1e-6 * Math.max(1, want.revenue))) differences.push(`${key} revenue ${got.revenue} vs ${want.revenue}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) differences.push(`${key} not in the topic`);
  const lifeText = printed.map((output, i) => `life ${i}: ${output.join('').trim().replace(/\n/g, ' | ')}`).join('\n');
  assert.deepEqual(differences, [], `windows differ from the topic's (${differences.length}; ${actual.size} windows, ${expected.size} expected):\n${differences.slice(0, 40).join('\n')}\n${lifeText}`);
  t.diagnostic(`${produced} events, ${kills} kills, ${lives + 1} lives, ${actual.size} windows`);
  rmSync(dir, { recursive: true, force: true });
});
