// Run control as the studio uses it, through the hosts' params validation: Pause/Resume through the
// sources' backpressure path, Apply of an edit from the last checkpoint (or why not), and trouble a
// Kafka source reports about an unreachable broker on its node.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka } from 'kafkajs';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { consumerConfig } from '../../kafka/source/start.ts';
import { uniqueTopic, useTestBroker } from '../../testing/kafka.ts';
import type { TestBroker } from '../../testing/kafka.ts';
import type { ParamsOf, ResultOf, StudioEvent, StudioMethod } from '../contract.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';
import type { StudioService } from '../service.ts';

function pipeline(name: string, where = 'amount > 0', size = '1m'): PipelineDoc {
  return {
    format: 'streamlake.pipeline',
    version: 1,
    name,
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 3, eventsPerSecond: 400 } },
      { id: 'valid', type: 'transform.filter', config: { where } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size, groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
      { id: 'out', type: 'sink.preview', config: {} },
    ],
    edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
  } as PipelineDoc;
}

/** Polls `read` until `ok` holds (a budget for shared machines, not a speed claim). */
async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, budgetMs = 30_000): Promise<T> {
  const end = Date.now() + budgetMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('run control', () => {
  let home: string;
  let service: StudioService;
  const events: StudioEvent[] = [];

  async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
    return outcome.result as ResultOf<M>;
  }
  const produced = async () => (await call('runMetrics'))?.nodes.orders?.in ?? 0;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-runs-'));
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
    service.subscribe((e) => events.push(e));
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('pause holds the sources and resume lets them go on', async () => {
    await call('runStart', { doc: pipeline('pausing') });
    await until(produced, (n) => n > 0, 'the first events');
    assert.equal((await call('runPause')).state, 'paused');
    await assert.rejects(call('runPause'), /Nothing to pause: the pipeline is paused/);
    await sleep(500); // the batch each source had in hand when paused is handed over
    const held = await produced();
    await sleep(1500);
    assert.equal(await produced(), held, 'no source produced while paused');
    assert.equal((await call('runStatus')).state, 'paused');
    assert.equal((await call('runResume')).state, 'running');
    await until(produced, (n) => n > held, 'events after resume');
    assert.equal((await call('runStop')).state, 'finished');
  });

  test('a paused run stops', async () => {
    await call('runStart', { doc: pipeline('stop-paused') });
    await until(produced, (n) => n > 0, 'the first events');
    await call('runPause');
    assert.equal((await call('runStop')).state, 'finished');
  });

  test('an edit that keeps state compatible is applied from the last checkpoint; one that does not says why', async () => {
    await call('runStart', { doc: pipeline('applying') });
    await until(produced, (n) => n > 0, 'the first events');
    const refused = await call('runApply', { doc: pipeline('applying', 'amount > 0', '5m') });
    assert.equal(refused.applied, false);
    assert.deepEqual(refused.reasons, ['"per_min" changed size, which its checkpointed state depends on']);
    assert.equal(refused.status.state, 'running', 'the run goes on untouched');
    const renamed = await call('runApply', { doc: pipeline('applying-2') });
    assert.match(renamed.reasons[0] ?? '', /renamed from "applying" to "applying-2"/);

    const before = events.length;
    const applied = await call('runApply', { doc: pipeline('applying', 'amount > 100') });
    assert.equal(applied.applied, true);
    assert.equal(applied.status.state, 'running');
    const restored = await until(() => events.slice(before), (es) => es.some((e) => e.type === 'log' && /Resumed from checkpoint \d+/.test(e.entry.message)), 'the restart from the checkpoint');
    assert.ok(restored.some((e) => e.type === 'run.status' && e.status.state === 'finished'), 'the old run stopped first');
    await call('runStop');
  });

  test('a Kafka source on an unreachable broker turns its node red with the reason while it retries', async () => {
    await call('kafkaSaveConnection', { connection: { name: 'dead', brokers: ['127.0.0.1:1'], security: 'plaintext' } });
    const doc = {
      format: 'streamlake.pipeline',
      version: 1,
      name: 'dead-broker',
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { connection: 'dead', topics: ['orders'], format: 'json' } },
        { id: 'out', type: 'sink.preview', config: {} },
      ],
      edges: [{ from: 'orders', to: 'out' }],
    } as PipelineDoc;
    await call('runStart', { doc });
    const alerts = await until(() => events.filter((e) => e.type === 'node.alert'), (es) => es.length >= 3, 'three reported attempts');
    const first = alerts[0];
    assert.ok(first?.type === 'node.alert');
    assert.equal(first.nodeId, 'orders');
    assert.equal(first.message, 'cannot reach 127.0.0.1:1: connection refused; retrying, attempt 1');
    const status = await call('runStatus');
    assert.equal(status.state, 'running');
    assert.match(status.nodeAlerts?.orders ?? '', /^cannot reach 127\.0\.0\.1:1: connection refused; retrying, attempt \d+$/);
    await call('runStop');
    assert.equal((await call('runStatus')).nodeAlerts, undefined, 'an ended run has no alerts');
  });
});

describe('pausing a Kafka source', () => {
  let home: string;
  let service: StudioService;
  let broker: TestBroker;

  before(async () => {
    broker = await useTestBroker();
    home = await mkdtemp(join(tmpdir(), 'streamlake-runs-kafka-'));
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
    await broker.release();
  });

  test('a pause longer than the session timeout loses and repeats nothing', async () => {
    const topic = uniqueTopic('paused-orders');
    const group = `${topic}-group`;
    const sessionMs = consumerConfig(group).sessionTimeout ?? 30_000;
    const kafka = new Kafka({ clientId: 'runs-test', brokers: [broker.bootstrap], logLevel: 0 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, count: number) => {
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: String(from + i), value: JSON.stringify({ n: from + i }) })) });
    };
    await send(0, 3000);
    await service.kafkaSaveConnection({ connection: { name: 'test', brokers: [broker.bootstrap], security: 'plaintext' } });
    const doc = {
      format: 'streamlake.pipeline',
      version: 1,
      name: 'paused-kafka',
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { connection: 'test', topics: [topic], group, format: 'json', startFrom: 'earliest' } },
        { id: 'out', type: 'sink.preview', config: {} },
      ],
      edges: [{ from: 'orders', to: 'out' }],
    } as PipelineDoc;
    // A failed step must not leave the run paused and the producer connected: after() would then wait
    // for them until the file's timeout, hiding the failure's message behind a cancellation.
    try {
      const received = async () => (await service.runMetrics())?.nodes.out?.in ?? 0;
      await service.runStart({ doc });
      await until(received, (n) => n > 0, 'the first messages', 60_000);
      await service.runPause();
      const pausedAt = Date.now();
      // Sent now, these reach the source while it is paused: it hands a batch over, then holds at the gate
      // with the batch's handler waiting. kafkajs 2 still heartbeats (its fetch loop runs apart from the
      // handlers), so the broker keeps the member (checked: still there after a 60 s pause); the pause lasts
      // just past the session it would otherwise have lost, and the member must still be the same one then.
      await send(3000, 1000);
      const members = async () => (await admin.describeGroups([group])).groups[0]?.members.map((m) => m.memberId) ?? [];
      await admin.connect();
      const member = await until(members, (ids) => ids.length === 1, 'the paused member in the group', 30_000);
      await sleep(pausedAt + sessionMs + 1000 - Date.now());
      assert.deepEqual(await members(), member, 'the paused member kept its place past its session timeout');
      await admin.disconnect();
      await service.runResume();
      // Exactly what was produced, once each, as the topic holds it (the preview sink counts rows in).
      const total = await until(received, (n) => n >= 4000, 'every message after the resume', 90_000);
      await sleep(2000);
      assert.equal(await received(), 4000, `received ${total}, then ${await received()}`);
      const keys = new Set((await service.nodePreview({ nodeId: 'out', limit: 10_000 })).rows.map((r) => r.n));
      assert.equal(keys.size, (await service.nodePreview({ nodeId: 'out', limit: 10_000 })).rows.length, 'no message twice in the preview');
    } finally {
      await service.runStop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
