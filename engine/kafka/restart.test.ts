// Broker faults with a broker of this test's own (the shared one must stay up for other files): down at
// start (clear error, retries, then reads), and restarted mid-run (resumes with nothing lost or doubled).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerHandle } from './broker/broker.ts';
import { startBroker } from './broker/broker.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSource } from './source.ts';
import { testContext } from '../testing/kafka.ts';
import type { Batch } from '../runtime/types.ts';

let broker: BrokerHandle;
let dataDir: string;
let connection: ConnectionConfig;
const topic = 'restart';

before(async () => {
  broker = await startBroker({ saslSsl: false });
  dataDir = broker.dataDir;
  connection = { name: 'own', brokers: [broker.bootstrap] };
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
});
after(async () => { await broker.stop(); });

async function produce(from: number, count: number): Promise<void> {
  const producer = kafkaClient(connection, { retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 3000 } }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: String(from + i), value: JSON.stringify({ i: from + i }) })) });
  await producer.disconnect();
}

async function until(what: string, cond: () => boolean, limitMs = 90_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('broker down at start, then restarted mid-run: every message exactly once', async () => {
  await produce(0, 500);
  await broker.stop();

  const logs: string[] = [];
  const source = new KafkaSource('k', { connection: 'own', topics: [topic], group: 'restart-group', format: 'json', startFrom: 'earliest' }, connection, testContext('k', logs));
  const seen: number[] = [];
  const abort = new AbortController();
  const running = source.run(async (batch: Batch, port) => {
    if (port !== 'error') for (const r of batch.rows) seen.push(r.i as number);
  }, abort.signal);

  await until('a clear connection error', () => logs.some((l) => /is not reachable/.test(l) && l.includes(broker.bootstrap)));
  assert.match(logs.find((l) => /is not reachable/.test(l))!, /Retry 1 in/);
  broker = await startBroker({ dataDir });
  await until('the first 500 messages', () => seen.length >= 500);

  await broker.stop();
  broker = await startBroker({ dataDir });
  await produce(500, 500);
  await until('all 1000 messages', () => seen.length >= 1000);
  // A little more traffic after the restart, to catch late re-deliveries.
  await produce(1000, 100);
  await until('all 1100 messages', () => seen.length >= 1100);
  abort.abort();
  await running;
  await source.close();

  const sorted = [...seen].sort((a, b) => a - b);
  assert.deepEqual(sorted, Array.from({ length: 1100 }, (_, i) => i), 'no loss and no duplicates');
});
