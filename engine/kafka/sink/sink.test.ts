// sink.kafka's two-phase commit against the real broker, driven directly (no runtime): rows are invisible to
// read_committed readers until commit, a new sink instance (a restarted process) commits the transaction
// an earlier one prepared, a zombie producer is fenced, lastCommittedId reads back, at-least-once still
// sends. Every check reads the topic independently with kcat -X isolation.level=read_committed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import type { Row } from '../../runtime/types.ts';
import { testContext, uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import type { ConnectionConfig } from '../connections.ts';
import { kafkaClient } from '../connections.ts';
import { KafkaSink, type KafkaPendingCommit, type KafkaSinkOptions } from '../sink.ts';
import type { EngineError } from '../../errors.ts';
import { COMMITS_TOPIC } from './commits.ts';
import { murmur2, Partitioner } from './partitioner.ts';

let broker: TestBroker;
let local: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** The topic as a read_committed consumer sees it (kcat, librdkafka): one JSON value per message. */
function readCommitted(topic: string): Row[] {
  const r = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-X', 'isolation.level=read_committed', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
}

function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ n: from + i, name: `row-${from + i}` }));
}

function sink(topic: string, pipelineName: string, extra: Partial<KafkaSinkOptions> & { delivery?: 'exactly-once' | 'at-least-once'; key?: string } = {}): KafkaSink {
  const { delivery, key, ...options } = extra;
  return new KafkaSink('out', { connection: 'local', topic, format: 'json', delivery, key }, local, { ...testContext('out'), pipelineName }, options);
}

function numbers(topic: string): number[] {
  return readCommitted(topic).map((r) => Number(r.n)).sort((a, b) => a - b);
}

/**
 * EndTxn returns once the coordinator decided; it writes the commit markers to the partitions right
 * after, and read_committed readers see the rows from then on. Polls until `read` equals `want` (10 s).
 */
async function eventually<T>(read: () => T | Promise<T>, want: T, message?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await read();
    try {
      assert.deepEqual(got, want, message);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

test('murmur2 and the partition of a key match kafkajs (Java-compatible) partitioning', () => {
  const require = createRequire(import.meta.url);
  const theirs = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;
  for (let i = 0; i < 2000; i++) {
    const key = Buffer.from(`key-${i}-${'x'.repeat(i % 7)}`);
    assert.equal(murmur2(key), theirs(key), `murmur2 of ${key.toString()}`);
    assert.equal(new Partitioner(7).partition(key), (theirs(key) & 0x7fffffff) % 7);
  }
});

test('exactly once: rows are invisible until commit, then there once; lastCommittedId reads back', async () => {
  const topic = uniqueTopic('eos');
  await createTopic(topic);
  const pipeline = uniqueTopic('pipe');
  const s = sink(topic, pipeline);
  assert.equal(await s.lastCommittedId(), null);
  await s.write({ rows: rows(0, 500), partition: 'p' });
  const pending = await s.prepare({ id: 1, sources: {} });
  assert.ok(pending, 'a transaction with rows is pending');
  assert.deepEqual(numbers(topic), [], 'nothing visible before commit');
  await s.commit({ id: 1, sources: {} }, pending);
  await eventually(() => numbers(topic), rows(0, 500).map((r) => r.n));
  await eventually(() => s.lastCommittedId(), 1);

  await s.write({ rows: rows(500, 300), partition: 'p' });
  const second = await s.prepare({ id: 2, sources: {} });
  // A run's last commit (flush) returns once read_committed readers see it.
  await s.commit({ id: 2, sources: {}, flush: true }, second);
  assert.equal(await s.lastCommittedId(), 2);
  assert.deepEqual(numbers(topic), rows(0, 800).map((r) => r.n));
  // A commit repeated (the runtime's restore after a crash right after it) changes nothing.
  await s.commit({ id: 2, sources: {} }, second);
  // A barrier without rows has nothing to commit.
  assert.equal(await s.prepare({ id: 3, sources: {} }), null);
  await s.close();
  await eventually(() => numbers(topic), rows(0, 800).map((r) => r.n));
  await eventually(() => sink(topic, pipeline).lastCommittedId(), 2);
});

test('a restarted sink commits the transaction a crashed one prepared (saved producer id and epoch), then fences it', async () => {
  const topic = uniqueTopic('resume');
  await createTopic(topic);
  const pipeline = uniqueTopic('pipe');
  const crashed = sink(topic, pipeline);
  await crashed.write({ rows: rows(0, 1000), partition: 'p' });
  const first = await crashed.prepare({ id: 1, sources: {} });
  await crashed.commit({ id: 1, sources: {} }, first);
  await eventually(() => crashed.lastCommittedId(), 1);
  await crashed.write({ rows: rows(1000, 700), partition: 'p' });
  // The checkpoint file keeps this (JSON) and the process dies before EndTxn: nothing is closed.
  const pending = JSON.parse(JSON.stringify(await crashed.prepare({ id: 2, sources: {} }))) as KafkaPendingCommit;
  assert.deepEqual(numbers(topic).length, 1000);

  const restarted = sink(topic, pipeline);
  assert.equal(await restarted.lastCommittedId(), 1, 'checkpoint 2 is not committed yet');
  await restarted.commit({ id: 2, sources: {}, flush: true }, pending);
  await eventually(() => restarted.lastCommittedId(), 2);
  await eventually(() => numbers(topic), rows(0, 1700).map((r) => r.n), 'the prepared rows once, nothing lost');
  // Committing again on a second restore finds it committed.
  await sink(topic, pipeline).commit({ id: 2, sources: {}, flush: true }, pending);

  // The restarted sink produces on: its InitProducerId fences the crashed producer.
  await restarted.write({ rows: rows(1700, 100), partition: 'p' });
  const third = await restarted.prepare({ id: 3, sources: {} });
  await restarted.commit({ id: 3, sources: {} }, third);
  // The crashed producer, were it still alive (a zombie), finds its checkpoint committed by reading, and is
  // fenced as soon as it sends again.
  await crashed.commit({ id: 2, sources: {} }, pending);
  const again = async (): Promise<void> => {
    await crashed.write({ rows: rows(5000, 10), partition: 'p' });
    await crashed.prepare({ id: 9, sources: {} });
  };
  await assert.rejects(again(), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ENG_KAFKA_FENCED', error.message);
    return true;
  });
  await crashed.close();
  await restarted.close();
  await eventually(() => numbers(topic), rows(0, 1800).map((r) => r.n), 'the zombie wrote nothing visible');
});

test('rows after the last prepare are aborted at close and by the next producer; read_committed readers never see them', async () => {
  const topic = uniqueTopic('abort');
  await createTopic(topic);
  const pipeline = uniqueTopic('pipe');
  const a = sink(topic, pipeline);
  await a.write({ rows: rows(0, 100), partition: 'p' });
  await a.commit({ id: 1, sources: {} }, await a.prepare({ id: 1, sources: {} }));
  await a.write({ rows: rows(100, 100), partition: 'p' });
  await a.close();
  // A crashed producer's open transaction (never closed) is aborted by the next one's start.
  const b = sink(topic, pipeline);
  await b.write({ rows: rows(200, 50), partition: 'p' });
  const c = sink(topic, pipeline);
  await c.write({ rows: rows(100, 100), partition: 'p' });
  await c.commit({ id: 2, sources: {} }, await c.prepare({ id: 2, sources: {} }));
  await c.close();
  await b.close();
  await eventually(() => numbers(topic), rows(0, 200).map((r) => r.n));
});

test('at-least-once sends without transactions and has no committed id', async () => {
  const topic = uniqueTopic('alo');
  await createTopic(topic);
  const s = sink(topic, uniqueTopic('pipe'), { delivery: 'at-least-once', key: 'name' });
  await s.write({ rows: rows(0, 300), partition: 'p' });
  assert.equal(await s.prepare({ id: 1, sources: {} }), null);
  assert.deepEqual(numbers(topic), rows(0, 300).map((r) => r.n), 'visible once prepared (acknowledged)');
  await s.write({ rows: rows(300, 20), partition: 'p' });
  await s.close();
  assert.deepEqual(numbers(topic), rows(0, 320).map((r) => r.n));
  assert.equal(await s.lastCommittedId(), null);
});

test('a transaction the broker aborted (timed out) fails the restore with an error naming transaction.timeout.ms', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('timeout');
  await createTopic(topic, 1);
  const pipeline = uniqueTopic('pipe');
  const crashed = sink(topic, pipeline, { transactionTimeoutMs: 1000 });
  await crashed.write({ rows: rows(0, 10), partition: 'p' });
  const pending = await crashed.prepare({ id: 1, sources: {} });
  // The broker checks for timed-out transactions every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s by default).
  const restarted = sink(topic, pipeline, { transactionTimeoutMs: 1000 });
  const deadline = Date.now() + 60_000;
  let failure: (Error & { code?: string }) | undefined;
  while (!failure && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Probe without committing: the coordinator has aborted the transaction once its record is gone from the open state.
    const r = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-X', 'isolation.level=read_committed', '-o', 'beginning', '-e', '-q'], { encoding: 'utf8' });
    if (r.status === 0 && lsoMoved(topic)) {
      failure = await restarted.commit({ id: 1, sources: {}, flush: true }, pending).then(() => undefined, (e: Error & { code?: string }) => e);
      assert.ok(failure, 'the commit of an aborted transaction fails');
    }
  }
  assert.ok(failure, 'the broker aborted the transaction within a minute');
  assert.equal(failure.code, 'ENG_KAFKA_TRANSACTION');
  assert.match(failure.message, /transaction\.timeout\.ms \(1000 ms\)/);
  assert.match(failure.message, /checkpoint interval/);
  assert.deepEqual(numbers(topic), []);
  await crashed.close();
});

/** Has the last stable offset of partition 0 reached the high watermark (no open transaction)? */
function lsoMoved(topic: string): boolean {
  const query = (level: string): string => spawnSync('kcat', ['-Q', '-b', broker.bootstrap, '-t', `${topic}:0:-1`, '-X', `isolation.level=${level}`], { encoding: 'utf8' }).stdout;
  return query('read_committed') === query('read_uncommitted');
}

test('the commits topic is compacted and keyed by pipeline/node', async () => {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: COMMITS_TOPIC, configNames: ['cleanup.policy'] }] });
  await admin.disconnect();
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact');
});

test('two homes running a pipeline of the same name on one broker neither fence each other nor share commits', async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { installationId } = await import('./scope.ts');
  const homes = [await mkdtemp(join(tmpdir(), 'streamlake-home-')), await mkdtemp(join(tmpdir(), 'streamlake-home-'))];
  t.after(async () => { for (const home of homes) await rm(home, { recursive: true, force: true }); });
  const [first, second] = await Promise.all(homes.map((home) => installationId(home)));
  assert.notEqual(first, second);
  assert.equal(await installationId(homes[0]!), first, 'a home keeps its id');

  const topic = uniqueTopic('homes');
  await createTopic(topic);
  const pipeline = uniqueTopic('same-name');
  const a = sink(topic, pipeline, { scope: first });
  const b = sink(topic, pipeline, { scope: second });
  await a.write({ rows: rows(0, 100), partition: 'p' });
  // b's producer starts while a's transaction is open: with one transactional id it would fence a.
  await b.write({ rows: rows(100, 50), partition: 'p' });
  const pendingA = await a.prepare({ id: 7, sources: {} });
  await a.commit({ id: 7, sources: {}, flush: true }, pendingA);
  assert.equal(await a.lastCommittedId(), 7);
  assert.equal(await b.lastCommittedId(), null, "b must not take a's checkpoint 7 for its own");
  const pendingB = await b.prepare({ id: 1, sources: {} });
  await b.commit({ id: 1, sources: {}, flush: true }, pendingB);
  assert.equal(await b.lastCommittedId(), 1);
  await a.close();
  await b.close();
  await eventually(() => numbers(topic), rows(0, 150).map((r) => r.n));
});

test('a topic the broker refuses fails the sink and leaves no connection to the broker open', async () => {
  const port = Number(broker.bootstrap.split(':').pop());
  const open = (): number => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    .filter((h) => typeof h === 'object' && h !== null && (h as { remotePort?: number }).remotePort === port).length;
  const before = open();
  for (const delivery of ['at-least-once', 'exactly-once'] as const) {
    const s = sink('no spaces allowed!', uniqueTopic('pipe'), { delivery });
    await assert.rejects(async () => {
      await s.write({ rows: rows(0, 5), partition: 'p' });
      await s.prepare({ id: 1, sources: {} });
    }, /invalid topic/i);
    await s.close().catch(() => undefined);
  }
  // A studio keeps running after a failed run: the failed sink's session must be gone with it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(open(), before, 'sockets to the broker left open by the failed sinks');
});

test('a producer id the broker refuses (InitProducerId, while the first rows queue) fails the sink: nothing sent, no connection left', async () => {
  const port = Number(broker.bootstrap.split(':').pop());
  const open = (): number => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    .filter((h) => typeof h === 'object' && h !== null && (h as { remotePort?: number }).remotePort === port).length;
  const before = open();
  const topic = uniqueTopic('refused-id');
  await createTopic(topic);
  // Above the broker's transaction.max.timeout.ms (15 min): InitProducerId answers INVALID_TRANSACTION_TIMEOUT.
  const s = sink(topic, uniqueTopic('pipe'), { transactionTimeoutMs: 24 * 3_600_000 });
  await assert.rejects(async () => {
    await s.write({ rows: rows(0, 5), partition: 'p' });
    await s.prepare({ id: 1, sources: {} });
  }, (error: EngineError) => error.code === 'ENG_KAFKA_TRANSACTION' && /transaction\.max\.timeout\.ms/.test(error.message));
  await assert.rejects(() => s.write({ rows: rows(5, 5), partition: 'p' }), /transaction\.max\.timeout\.ms/);
  await s.close().catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(open(), before, 'sockets to the broker left open by the failed sink');
  assert.deepEqual(readCommitted(topic), []);
});
