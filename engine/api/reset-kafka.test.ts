// Reset of a pipeline that reads Kafka starts it from the beginning: without a checkpoint the Kafka source
// resumes from its consumer group's committed offsets, so Reset deletes the pipeline's groups too. Real
// broker, real lake; the expected rows are the messages this test produced.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../format/pipeline.ts';
import { kafkaClient } from '../kafka/connections.ts';
import { openLake, readRows } from '../lake/index.ts';
import { uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import type { ParamsOf, ResultOf, RunStatus, StudioMethod } from './contract.ts';
import { dispatchCall } from './dispatch.ts';
import { createStudioService, type StudioService } from './service.ts';

let broker: TestBroker;
let home: string;
let service: StudioService;
const saved = process.env.STREAMLAKE_KAFKA_BROKERS;

async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
  const outcome = await dispatchCall(service, method, params);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.result as ResultOf<M>;
}

before(async () => {
  broker = await useTestBroker();
  // The built-in `local` connection points at this broker.
  process.env.STREAMLAKE_KAFKA_BROKERS = broker.bootstrap;
  home = await mkdtemp(join(tmpdir(), 'streamlake-reset-kafka-'));
  service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
});

after(async () => {
  await service.close();
  await rm(home, { recursive: true, force: true });
  if (saved === undefined) delete process.env.STREAMLAKE_KAFKA_BROKERS;
  else process.env.STREAMLAKE_KAFKA_BROKERS = saved;
  await broker.release();
});

test('Reset (replace) of a Kafka pipeline: the next Run reads the topic from the beginning again, each message once', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('reset-kafka');
  const kafka = kafkaClient({ name: 'local', brokers: [broker.bootstrap] });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const ids = Array.from({ length: 200 }, (_, i) => `m-${i}`);
  await producer.send({ topic, messages: ids.map((id, i) => ({ value: JSON.stringify({ id, n: i }) })) });
  await producer.disconnect();

  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'reset-kafka',
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest', stopAtEnd: true } },
      { id: 'lake', type: 'sink.lake', config: { table: 'reset_kafka' } },
    ],
    edges: [{ from: 'in', to: 'lake' }],
  };
  const runToEnd = async (): Promise<RunStatus> => {
    await call('runStart', { doc });
    for (;;) {
      const status = await call('runStatus');
      if (status.state === 'finished' || status.state === 'failed') return status;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const tableIds = async (): Promise<string[]> => (await readRows(await openLake(join(home, 'lake')).table('reset_kafka'))).map((r) => String(r.id)).sort();

  const first = await runToEnd();
  assert.equal(first.state, 'finished', first.error?.message);
  assert.deepEqual(await tableIds(), [...ids].sort());

  // A run longer than a checkpoint interval leaves the group's offsets at what it read (they are committed
  // after each checkpoint for lag tools); this short one may not have, so put them where such a run would.
  const groupAdmin = kafka.admin();
  await groupAdmin.connect();
  const ends = await groupAdmin.fetchTopicOffsets(topic);
  await groupAdmin.setOffsets({ groupId: 'streamlake-reset-kafka-in', topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
  await groupAdmin.disconnect();

  const result = await call('runReset', { pipelineName: doc.name, doc, tables: 'replace' });
  const again = await runToEnd();
  assert.equal(again.state, 'finished', again.error?.message);
  assert.equal(again.notice, undefined);
  assert.deepEqual(await tableIds(), [...ids].sort(), 'the whole topic once more, after the reset emptied the table');
  assert.deepEqual(result.groups, [{ node: 'in', connection: 'local', group: 'streamlake-reset-kafka-in', action: 'deleted' }]);

  // The run after the reset committed offsets to a new group of the same name: a reset without tables deletes it too.
  const twice = await call('runReset', { pipelineName: doc.name, doc });
  assert.equal(twice.groups[0]?.action, 'deleted');
  assert.deepEqual(twice.tables, [], 'without tables the lake is left alone');
});

test('a Run of a bounded Kafka pipeline whose group already read every partition to its end finishes with 0 events', { timeout: 60_000 }, async () => {
  // No checkpoint, group offsets at the end (another tool, or a pipeline of the same name before): the
  // source starts at the end of every partition, no batch ever comes, and the run must still end.
  const topic = uniqueTopic('at-end');
  const kafka = kafkaClient({ name: 'local', brokers: [broker.bootstrap] });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: JSON.stringify({ id: i }) })) });
  await producer.disconnect();
  const group = `${topic}-group`;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId: group, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
  await admin.disconnect();
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'at-end',
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'local', topics: [topic], group, format: 'json', startFrom: 'earliest', stopAtEnd: true } },
      { id: 'lake', type: 'sink.lake', config: { table: 'at_end' } },
    ],
    edges: [{ from: 'in', to: 'lake' }],
  };
  await call('runStart', { doc });
  let status = await call('runStatus');
  const deadline = Date.now() + 30_000;
  while (status.state !== 'finished' && status.state !== 'failed' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    status = await call('runStatus');
  }
  assert.equal(status.state, 'finished', `still ${status.state} after 30 s: the source waits for a batch that never comes`);
  assert.equal(status.eventsTotal, 0);
});
