// The Kafka source honours the pipeline's `encoding` on a real broker: strict UTF-8 (the default) sends a
// Latin-1 message to the error port with the offset of the bad byte; `latin1` reads it as text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KafkaSourceConfig } from '../format/pipeline.ts';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSource } from './source.ts';

let broker: TestBroker;
let local: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
});
after(() => broker.release());

function source(topic: string, extra: Partial<KafkaSourceConfig> = {}): KafkaSource {
  return new KafkaSource('kafka', { connection: 'local', topics: [topic], group: uniqueTopic('g'), startFrom: 'earliest', format: 'json', ...extra }, local, testContext('kafka'), { stopAtEnd: true });
}

test('json values: strict utf-8 by default, latin1 when the pipeline says so', async () => {
  const topic = uniqueTopic('encoding');
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafkaClient(local).producer();
  await producer.connect();
  const latin = Buffer.concat([Buffer.from('{"name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
  await producer.send({ topic, messages: [{ value: '{"name":"Zoë"}' }, { value: latin }] });
  await producer.disconnect();

  const strict = await collect(source(topic));
  assert.deepEqual(strict.out.map((row) => row.name), ['Zoë']);
  assert.equal(strict.error.length, 1);
  assert.match(String(strict.error[0]!.reason), /not valid UTF-8: invalid byte at offset 12/);
  assert.equal((strict.error[0]!.source as { offset: number }).offset, 1);

  const latin1 = await collect(source(topic, { encoding: 'latin1' }));
  // Zoë's UTF-8 bytes read as Latin-1 are two characters: the setting applies to every message.
  assert.deepEqual(latin1.out.map((row) => row.name), ['ZoÃ«', 'José']);
  assert.deepEqual(latin1.error, []);
});
