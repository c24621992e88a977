// sink.kafka under crashes: a rate-limited generator → sink.kafka pipeline runs in a child process with
// checkpoints every 300 ms and dies by SIGKILL, at the injected fault points around the Kafka
// transaction commit and the checkpoint write (STREAMLAKE_FAULT) and at random moments; it is then run
// again until it finishes. The output topic, read independently by kcat with
// isolation.level=read_committed, must hold every generated order exactly once (compared with the
// generator's events computed here). At least once keeps every order (duplicates allowed).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { createTestTopic, uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';

const worker = new URL('../crash/worker.ts', import.meta.url).pathname;
const count = 3000;
const seed = 5;
let broker: TestBroker;

before(async () => { broker = await useTestBroker(); });
after(async () => { await broker.release(); });

/** What the generator makes: order id → amount, computed here rather than by any run. */
function expectedOrders(): Map<string, number> {
  const orders = new Map<string, number>();
  for (const row of generateEvents('sales_orders', { count, seed })) orders.set(String(row.order_id), Number(row.amount));
  assert.equal(orders.size, count);
  return orders;
}

function readCommitted(topic: string): { order_id: string; amount: number }[] {
  const r = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-X', 'isolation.level=read_committed', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { order_id: string; amount: number });
}

interface Life { code: Promise<number | null>; kill(): void; output: string[]; ready: Promise<void> }

function startLife(args: string[], fault?: string): Life {
  const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_KAFKA_BROKERS: broker.bootstrap, STREAMLAKE_CRASH_CHECKPOINT_MS: '300', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
  if (fault) env.STREAMLAKE_FAULT = fault;
  else delete env.STREAMLAKE_FAULT;
  const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  child.stdout.on('data', (d: Buffer) => {
    output.push(d.toString());
    if (/checkpoint \d+/.test(d.toString())) markReady();
  });
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => { markReady(); resolve(c); }));
  return { code, output, ready, kill: () => child.kill('SIGKILL') };
}

async function setup(delivery: 'exactly-once' | 'at-least-once'): Promise<{ topic: string; args: string[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-sink-crash-'));
  const topic = uniqueTopic('sink-crash');
  await createTestTopic(broker.bootstrap, topic, 3);
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: uniqueTopic('sink-crash'),
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed, eventsPerSecond: 1500 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', amount: 'amount' } } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic, format: 'json', key: 'order_id', delivery } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'out' }],
  };
  const docPath = join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  return { topic, dir, args: [docPath, join(dir, 'lake'), join(dir, 'home'), join(dir, 'checkpoints')] };
}

/** Runs lives (the first with `fault`) until one finishes; returns how many died. */
async function runToEnd(args: string[], fault: string | undefined, randomKills = 0): Promise<number> {
  let deaths = 0;
  let random = 7;
  for (let life = 0; life < 20; life++) {
    const l = startLife(args, life === 0 ? fault : undefined);
    if (deaths < randomKills && !fault) {
      await l.ready;
      random = (Math.imul(random, 1103515245) + 12345) >>> 0;
      const wait = 100 + (random % 700);
      const finished = await Promise.race([l.code.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), wait))]);
      if (!finished) l.kill();
    }
    const code = await l.code;
    if (code === 0) return deaths;
    assert.equal(code, null, `a life failed rather than being killed:\n${l.output.join('')}`);
    deaths++;
  }
  throw new Error('the pipeline never finished');
}

function assertExactlyOnce(topic: string, what: string): void {
  const want = expectedOrders();
  const got = readCommitted(topic);
  const seen = new Map<string, number>();
  for (const r of got) seen.set(r.order_id, (seen.get(r.order_id) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1);
  assert.deepEqual(twice.slice(0, 5), [], `${what}: no order twice (${twice.length} repeated)`);
  const missing = [...want.keys()].filter((id) => !seen.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${what}: no order missing (${missing.length} missing)`);
  for (const r of got) assert.equal(r.amount, want.get(r.order_id), `amount of ${r.order_id}`);
  assert.equal(got.length, count);
}

for (const fault of ['kafka.before-txn-commit@3', 'kafka.after-txn-commit@3', 'checkpoint.before-write@3', 'checkpoint.after-write@3']) {
  test(`exactly once: killed at ${fault}, restarted: every order once in the topic (read_committed)`, { timeout: 180_000 }, async () => {
    const { topic, args, dir } = await setup('exactly-once');
    const deaths = await runToEnd(args, fault);
    assert.equal(deaths, 1, 'the fault point was reached once');
    assertExactlyOnce(topic, fault);
    rmSync(dir, { recursive: true, force: true });
  });
}

test('exactly once: killed with SIGKILL at 4 random moments: every order once', { timeout: 300_000 }, async () => {
  const { topic, args, dir } = await setup('exactly-once');
  const deaths = await runToEnd(args, undefined, 4);
  assert.ok(deaths >= 1, 'killed at least once');
  assertExactlyOnce(topic, `${deaths} random kills`);
  rmSync(dir, { recursive: true, force: true });
});

test('at least once: killed after a checkpoint, restarted: every order at least once', { timeout: 180_000 }, async () => {
  const { topic, args, dir } = await setup('at-least-once');
  await runToEnd(args, 'checkpoint.after-write@3');
  const got = readCommitted(topic);
  const ids = new Set(got.map((r) => r.order_id));
  assert.deepEqual([...expectedOrders().keys()].filter((id) => !ids.has(id)), [], 'nothing missing');
  assert.ok(got.length >= count);
  rmSync(dir, { recursive: true, force: true });
});
