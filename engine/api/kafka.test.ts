// The studio's Kafka methods against the real test broker, called through host-side validation as the
// renderer would: connections, topics, producing a generator with progress, peeking, groups and lag.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { kafkaClient } from '../kafka/connections.ts';
import { uniqueTopic, useTestBroker } from '../testing/kafka.ts';
import type { TestBroker } from '../testing/kafka.ts';
import type { JobProgress, ParamsOf, ResultOf, StudioEvent, StudioMethod } from './contract.ts';
import { dispatchCall } from './dispatch.ts';
import { createStudioService } from './service.ts';
import type { StudioService } from './service.ts';

let broker: TestBroker;
let home: string;
let service: StudioService;
const events: StudioEvent[] = [];

async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
  const outcome = await dispatchCall(service, method, params);
  if (!outcome.ok) throw Object.assign(new Error(`${outcome.error.code}: ${outcome.error.message}`), { code: outcome.error.code });
  return outcome.result as ResultOf<M>;
}

before(async () => {
  broker = await useTestBroker();
  home = await mkdtemp(join(tmpdir(), 'streamlake-kafka-api-'));
  service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  service.subscribe((e) => events.push(e));
});

after(async () => {
  await service.close();
  await rm(home, { recursive: true, force: true });
  await broker.release();
});

test('connections are saved without exposing secrets and tested layer by layer', async () => {
  const saved = await call('kafkaSaveConnection', { connection: { name: 'test', brokers: [broker.bootstrap], security: 'plaintext' } });
  assert.deepEqual(saved, { name: 'test', brokers: [broker.bootstrap], security: 'plaintext', hasPassword: false, hasClientKey: false });
  const withSecret = await call('kafkaSaveConnection', { connection: { name: 'secured', brokers: ['127.0.0.1:1'], security: 'sasl_plaintext', saslMechanism: 'scram-sha-512', username: 'alice', password: 's3cret' } });
  assert.equal(withSecret.hasPassword, true);
  assert.ok(!JSON.stringify(await call('kafkaConnections')).includes('s3cret'), 'no secret crosses the boundary');
  const kept = await call('kafkaSaveConnection', { connection: { name: 'secured', brokers: ['127.0.0.1:1'], security: 'sasl_plaintext', saslMechanism: 'scram-sha-512', username: 'alice' } });
  assert.equal(kept.hasPassword, true, 'an absent password keeps the stored one');
  const ok = await call('kafkaTestConnection', { name: 'test' });
  assert.equal(ok.ok, true, ok.message);
  const refused = await call('kafkaTestConnection', { name: 'secured' });
  assert.equal(refused.ok, false);
  assert.equal(refused.failedAt, 'tcp');
  await call('kafkaDeleteConnection', { name: 'secured' });
  assert.deepEqual((await call('kafkaConnections')).map((c) => c.name).sort(), ['local', 'test']);
});

test('produce a generator to a topic, list it, peek decoded messages, see group lag and its history', async () => {
  const topic = uniqueTopic('studio');
  await call('kafkaCreateTopic', { connection: 'test', topic, partitions: 1 });
  const result = await call('kafkaProduceGenerator', { connection: 'test', topic, dataset: 'sales_orders', count: 200, seed: 9, jobId: 'gen-1' });
  assert.deepEqual(result, { jobId: 'gen-1', produced: 200 });
  const progress: JobProgress[] = events.flatMap((e) => (e.type === 'job.progress' && e.progress.jobId === 'gen-1' ? [e.progress] : []));
  assert.equal(progress.at(-1)?.finished, true);
  assert.equal(progress.at(-1)?.done, 200);

  const sent = await call('kafkaProduce', { connection: 'test', topic, key: 'k1', value: '{"hello":"studio"}', headers: { source: 'test' } });
  assert.equal(sent.offset, 200);

  const topics = await call('kafkaTopics', { connection: 'test' });
  const info = topics.find((t) => t.name === topic);
  assert.ok(info);
  assert.equal(info.messages, 201);
  assert.deepEqual(info.partitions.map((p) => [p.partition, p.earliestOffset, p.latestOffset, p.replicas.length]), [[0, 0, 201, 1]]);

  const first = await call('kafkaPeek', { connection: 'test', topic, from: 'earliest', limit: 3 });
  assert.deepEqual(first.map((m) => m.offset), [0, 1, 2]);
  const value = first[0]?.value as Record<string, unknown>;
  assert.ok(typeof value.order_id === 'string' || typeof value.order_id === 'number', 'generator rows decoded as JSON');
  const last = await call('kafkaPeek', { connection: 'test', topic, limit: 1 });
  assert.deepEqual(last.map((m) => [m.offset, m.key, m.headers.source, m.value]), [[200, 'k1', 'test', { hello: 'studio' }]]);

  const admin = kafkaClient({ name: 'test', brokers: [broker.bootstrap] }).admin();
  await admin.connect();
  await admin.setOffsets({ groupId: `${topic}-readers`, topic, partitions: [{ partition: 0, offset: '150' }] });
  await admin.disconnect();
  const groups = await call('kafkaGroups', { connection: 'test' });
  const group = groups.find((g) => g.groupId === `${topic}-readers`);
  assert.ok(group);
  assert.equal(group.totalLag, 51);
  assert.deepEqual(group.partitions.map((p) => [p.committedOffset, p.latestOffset, p.lag]), [[150, 201, 51]]);
  const history = await call('kafkaLagHistory', { connection: 'test', groupId: `${topic}-readers` });
  assert.ok(history.length >= 1);
  assert.equal(history.at(-1)?.lag, 51);
  await call('kafkaDeleteTopic', { connection: 'test', topic });
});

test('a pipeline reading Kafka gets a kafka_lag series in the metrics history', async () => {
  const topic = uniqueTopic('lagged');
  await call('kafkaCreateTopic', { connection: 'test', topic, partitions: 1 });
  await call('kafkaProduceGenerator', { connection: 'test', topic, dataset: 'sensor_readings', count: 50, seed: 2 });
  await call('runStart', {
    doc: {
      format: 'streamlake.pipeline',
      version: 1,
      name: 'lag-check',
      nodes: [
        { id: 'readings', type: 'source.kafka', config: { connection: 'test', topics: [topic], startFrom: 'earliest', format: 'json' } },
        { id: 'out', type: 'sink.preview', config: {} },
      ],
      edges: [{ from: 'readings', to: 'out' }],
    },
    options: { fresh: true },
  });
  try {
    // Bounded: a lag series that never appears fails the test instead of holding the suite until its timeout.
    const deadline = Date.now() + 120_000;
    for (;;) {
      assert.ok(Date.now() < deadline, 'no kafka_lag point with data read within 120 s');
      const series = await call('metricsHistory', { names: ['kafka_lag'] });
      const lag = series.find((s) => s.nodeId === 'readings');
      // A consumer group join takes seconds on a busy machine: wait for data as well as for a lag point.
      const read = (await call('nodePreview', { nodeId: 'out' })).seen > 0;
      if (lag && lag.points.length > 0 && read) {
        assert.ok(lag.points.every(([, value]) => value >= 0 && value <= 50));
        assert.match(service.metricsText(), /^streamlake_kafka_consumer_lag\{pipeline="lag-check",node="readings"\} \d+$/m);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await call('runStop');
  }
});
