// Exactly-once with the fused paths (runtime/fusion.ts, one decode worker) under kill -9: the engine is
// killed at random moments while it drains a JSON Lines file, or a 3-partition Kafka topic, through a
// filter and a tumbling window into a lake table, and restarted each time from its checkpoints (every
// 200 ms). A kill lands between a life's first and fourth checkpoint, while events flow (a kill timed
// in seconds mostly came after the life had drained its input). The table must then hold every window
// once, with the counts and sums the test computes from the input itself. Also a file whose lines a
// worker only checks (lazy batches) into an exactly-once sink.kafka: kcat must read every line once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../format/pipeline.ts';
import { openLake, readRows } from '../lake/index.ts';
import { kafkaClient } from '../kafka/connections.ts';
import type { Row } from '../runtime/types.ts';
import { createTestTopic, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { kcat } from '../testing/kcat.ts';
import { workersAvailable } from './pool.ts';

let broker: TestBroker | undefined;
before(async () => { if (workersAvailable()) broker = await useTestBroker(); });
after(async () => { await broker?.release(); });

// The Kafka crash tests' life: runs any pipeline document with checkpoints until its sources end.
const life = new URL('../kafka/crash/worker.ts', import.meta.url).pathname;
const minKills = 5;
const checkpointMs = 200;

let clock = Date.UTC(2026, 2, 1);
let seq = 0;
/** Events with rising, jittered times; quarters, so sums are exact in any order. */
function lines(count: number, events: Row[]): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    clock += 7;
    const event: Row = { id: seq++, event_time: new Date(clock - (i * 7919) % 3000).toISOString(), region: ['eu', 'us', 'apac'][i % 3], amount: ((i * 31) % 400 - 40) / 4 };
    events.push(event);
    out.push(JSON.stringify(event));
  }
  return out.join('\n') + '\n';
}

/** A life; `checkpoints(n)` resolves once it has taken n checkpoints, or has ended. */
function start(args: string[], env: NodeJS.ProcessEnv): { exited: Promise<number | null>; kill: () => void; checkpoints: (n: number) => Promise<void>; output: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', life, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let taken = 0;
  let ended = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const w of waiters.filter((x) => ended || taken >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    output.push(d.toString());
    taken += d.toString().split('checkpoint ').length - 1;
    wake();
  });
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { ended = true; wake(); resolve(code); }));
  const checkpoints = (n: number): Promise<void> => new Promise((resolve) => { waiters.push({ n, resolve }); wake(); });
  return { exited, kill: () => child.kill('SIGKILL'), checkpoints, output };
}

/**
 * Kills lives of the pipeline at least minKills times, each after its first to third checkpoint (at
 * random) and up to one checkpoint interval more, so every kill lands while events flow, past at least one
 * checkpoint of that life; calls `more` when a life ended before its kill, then runs one to the end. Every
 * life after the first must say it resumed from a checkpoint. The window table's rows.
 */
async function killAndRestart(docFor: (life: number) => PipelineDoc, dir: string, extraEnv: NodeJS.ProcessEnv, more: () => Promise<void> | void): Promise<{ lakeDir: string; label: string }> {
  const docPath = join(dir, 'pipeline.json');
  const lakeDir = join(dir, 'lake');
  const args = [docPath, lakeDir, join(dir, 'home'), join(dir, 'checkpoints')];
  const env = { ...process.env, ...extraEnv, STREAMLAKE_CRASH_CHECKPOINT_MS: String(checkpointMs) };
  let kills = 0;
  let lives = 0;
  let random = 4242;
  const next = (): number => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const resumed = (output: string[]): void => assert.match(output.join(''), /^restored \d+$/m, `life ${lives} resumed from a checkpoint:\n${output.join('')}`);
  while (kills < minKills) {
    writeFileSync(docPath, JSON.stringify(docFor(lives)));
    const one = start(args, env);
    lives++;
    await one.checkpoints(1 + Math.floor(next() * 3));
    const finished = await Promise.race([one.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.floor(next() * checkpointMs)))]);
    if (lives > 1) resumed(one.output);
    if (finished) {
      assert.equal(await one.exited, 0, `a life failed:\n${one.output.join('')}`);
      // It drained its input before its kill: more for the next life to continue with.
      await more();
      continue;
    }
    one.kill();
    await one.exited;
    kills++;
  }
  writeFileSync(docPath, JSON.stringify(docFor(lives)));
  const last = start(args, env);
  assert.equal(await last.exited, 0, `the final run failed:\n${last.output.join('')}`);
  resumed(last.output);
  return { lakeDir, label: `${kills} kills, ${lives + 1} lives` };
}

/** The window table's rows, each window once. */
async function windowsOf(lakeDir: string): Promise<Map<string, { orders: number; revenue: number }>> {
  const rows = await readRows(await openLake(lakeDir).table('by_minute'));
  const windows = new Map<string, { orders: number; revenue: number }>();
  for (const w of rows) {
    const key = `${(w.window_start as Date).toISOString()}|${String(w.region)}`;
    assert.equal(windows.has(key), false, `window ${key} appears once`);
    windows.set(key, { orders: Number(w.orders), revenue: Number(w.revenue) });
  }
  return windows;
}

/** The test's own aggregation: count and sum of the positive amounts per minute and region. */
function expectedWindows(events: readonly Row[]): Map<string, { orders: number; revenue: number }> {
  const expected = new Map<string, { orders: number; revenue: number }>();
  for (const e of events) {
    if (!((e.amount as number) > 0)) continue;
    const key = `${new Date(Math.floor(Date.parse(e.event_time as string) / 60_000) * 60_000).toISOString()}|${String(e.region)}`;
    const w = expected.get(key) ?? { orders: 0, revenue: 0 };
    w.orders++;
    w.revenue += e.amount as number;
    expected.set(key, w);
  }
  return expected;
}

const windowNodes = [
  { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
  { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', allowedLateness: '1h', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)' } } },
  { id: 'by_minute', type: 'sink.lake', config: { table: 'by_minute', commitInterval: '0s' } },
] satisfies PipelineDoc['nodes'];
const windowEdges: PipelineDoc['edges'] = [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'by_minute' }];

test(`fused file path: kill -9 at least ${minKills} times, every window exactly once`, { skip: !workersAvailable(), timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-fused-crash-'));
  const events: Row[] = [];
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, lines(600_000, events));
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline', version: 1, name: 'fused-crash',
    nodes: [{ id: 'orders', type: 'source.file', config: { path: input, format: 'jsonl' } }, ...windowNodes],
    edges: windowEdges,
  };
  // A life that drained its input before its kill gets twice as much as the one before (an idle machine
  // drains 100k events in a fraction of a checkpoint interval), so few lives end unkilled anywhere; at
  // most 1.6M (about four checkpoints of a fused life on an idle machine), written 100k lines at a time,
  // so a fast machine cannot grow the refill without bound.
  let refill = 100_000;
  const more = (): void => {
    for (let written = 0; written < refill; written += 100_000) appendFileSync(input, lines(Math.min(100_000, refill - written), events));
    refill = Math.min(refill * 2, 1_600_000);
  };
  const outcome = await killAndRestart(() => doc, dir, { STREAMLAKE_WORKERS: '1' }, more);
  const windows = await windowsOf(outcome.lakeDir);
  assert.deepEqual(windows, expectedWindows(events), outcome.label);
  t.diagnostic(`${events.length} events, ${outcome.label}, ${windows.size} windows`);
  rmSync(dir, { recursive: true, force: true });
});

test(`fused Kafka path: kill -9 at least ${minKills} times, every window exactly once`, { skip: !workersAvailable(), timeout: 600_000 }, async (t) => {
  const b = broker as TestBroker;
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-fused-crash-kafka-'));
  const topic = uniqueTopic('fused-crash');
  await createTestTopic(b.bootstrap, topic, 3);
  const client = kafkaClient({ name: 'local', brokers: [b.bootstrap] });
  const events: Row[] = [];
  const produce = async (count: number): Promise<void> => {
    const producer = client.producer();
    await producer.connect();
    const text = lines(count, events).trimEnd().split('\n');
    for (let i = 0; i < text.length; i += 5000) {
      await producer.send({ topic, messages: text.slice(i, i + 5000).map((value, k) => ({ partition: (i + k) % 3, value })) });
    }
    await producer.disconnect();
  };
  await produce(300_000);
  // As for the file: each refill twice the one before.
  let refill = 100_000;
  const more = async (): Promise<void> => {
    await produce(refill);
    refill *= 2;
  };
  // A group per life: restores read the checkpoint's positions, never the group's, and a new group does
  // not wait for the killed member's session to expire, so kills land while events flow.
  const docFor = (life: number): PipelineDoc => ({
    format: 'streamlake.pipeline', version: 1, name: 'fused-crash-kafka',
    nodes: [{ id: 'orders', type: 'source.kafka', config: { connection: 'local', topics: [topic], group: `${topic}-g${life}`, format: 'json', startFrom: 'earliest', stopAtEnd: true } }, ...windowNodes],
    edges: windowEdges,
  });
  const outcome = await killAndRestart(docFor, dir, { STREAMLAKE_WORKERS: '1', STREAMLAKE_KAFKA_BROKERS: b.bootstrap, KAFKAJS_NO_PARTITIONER_WARNING: '1' }, more);
  const windows = await windowsOf(outcome.lakeDir);
  assert.deepEqual(windows, expectedWindows(events), outcome.label);
  t.diagnostic(`${events.length} events, ${outcome.label}, ${windows.size} windows`);
  rmSync(dir, { recursive: true, force: true });
});

test(`lazy file → sink.kafka with a worker checking the lines: kill -9 at least ${minKills} times, every line once`, { skip: !workersAvailable(), timeout: 600_000 }, async (t) => {
  // The source's only consumer copies bytes, so its batches are lazy and the worker checks which lines
  // are verbatim (protocol.ts WorkerSetup.scan). Each line is JSON.stringify of its event, so each message
  // must be its line exactly, read independently by kcat with read_committed.
  const b = broker as TestBroker;
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-scan-crash-'));
  const topic = uniqueTopic('scan-crash');
  await createTestTopic(b.bootstrap, topic, 3);
  const events: Row[] = [];
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, lines(300_000, events));
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline', version: 1, name: 'scan-crash',
    nodes: [
      { id: 'orders', type: 'source.file', config: { path: input, format: 'jsonl' } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic, format: 'json', delivery: 'exactly-once' } },
    ],
    edges: [{ from: 'orders', to: 'out' }],
  };
  // As for the fused file: each refill twice the one before, at most 800k.
  let refill = 100_000;
  const more = (): void => {
    for (let written = 0; written < refill; written += 100_000) appendFileSync(input, lines(Math.min(100_000, refill - written), events));
    refill = Math.min(refill * 2, 800_000);
  };
  const outcome = await killAndRestart(() => doc, dir, { STREAMLAKE_WORKERS: '1', STREAMLAKE_KAFKA_BROKERS: b.bootstrap, KAFKAJS_NO_PARTITIONER_WARNING: '1' }, more);
  const got = kcat(['-C', '-b', b.bootstrap, '-t', topic, '-X', 'isolation.level=read_committed', '-o', 'beginning', '-e', '-q', '-f', '%s\n']).split('\n').filter(Boolean);
  const want = new Map(events.map((e) => [e.id as number, JSON.stringify(e)]));
  const seen = new Map<number, number>();
  for (const message of got) {
    const id = (JSON.parse(message) as { id: number }).id;
    assert.equal(message, want.get(id), `event ${id}: the message is its line`);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const twice = [...seen.values()].filter((c) => c > 1).length;
  const missing = events.length - seen.size;
  assert.equal(twice, 0, `${outcome.label}: no line twice`);
  assert.equal(missing, 0, `${outcome.label}: no line missing`);
  t.diagnostic(`${events.length} lines, ${outcome.label}`);
  rmSync(dir, { recursive: true, force: true });
});
