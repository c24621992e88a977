// sink.kafka copies a row's own JSON bytes (Batch.bytes) instead of encoding the row, when its file source
// found them to be exactly the encoder's text. Output must not change: a JSON Lines file mixing such lines
// with lines written otherwise (spaces, escapes, other number and timestamp spellings, other key orders)
// runs through the runtime into a real topic, and every message read back (kcat) must be the JSON text of
// JSON.parse + timestamp revival of its line, as V8's JSON.stringify writes it: computed here from the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '../../nodes/index.ts';
import type { NodeFactory } from '../../nodes/registry.ts';
import { LazyBatch } from '../../runtime/lazy.ts';
import { createRun } from '../../runtime/run.ts';
import type { Batch, Row } from '../../runtime/types.ts';
import { reviveTimestamps } from '../../sources/file/values.ts';
import { testContext, uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import type { ConnectionConfig } from '../connections.ts';
import { kafkaClient } from '../connections.ts';
import { KafkaSink } from '../sink.ts';
import { randomInts } from '../../testing/random.ts';

let broker: TestBroker;
let local: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** Message values as they are in the topic (kcat, librdkafka), one per line, in partition order. */
function values(topic: string): string[] {
  const r = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('file → sink.kafka: every message is the JSON of its line\'s row, whether its bytes were copied or encoded', async () => {
  const rand = randomInts(3);
  const variants = [
    (i: number) => JSON.stringify({ id: `o-${i}`, region: 'eu', qty: i % 7, amount: (i % 1000) / 100, at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), ok: i % 2 === 0, note: null }),
    (i: number) => `{"id":"o-${i}", "region":"eu","qty":1,"amount":2.5,"at":"2026-01-01T00:00:00.000Z","ok":true,"note":null}`,
    (i: number) => `{"id":"o-${i}","region":"\\u00e9u","qty":1,"amount":2.50,"at":"2026-01-01T00:00:00Z","ok":true,"note":null}`,
    (i: number) => `{"id":"o-${i}","region":"日本 😀","qty":-0,"amount":1e2,"at":"2026-01-01T01:00:00.000+01:00","ok":false,"note":[1, 2]}`,
    (i: number) => `{"region":"eu","id":"o-${i}","qty":1,"amount":2.5,"at":"2026-01-01T00:00:00.000Z","ok":true,"note":null}`,
    (i: number) => `{"id":"o-${i}","region":"eu","qty":12345678901234567,"amount":0.0000001,"at":"2026-02-30T00:00:00.000Z","ok":true,"note":{"b":1,"a":"x"}}`,
  ];
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(rand(4) === 0 ? variants[1 + rand(variants.length - 1)]!(i) : variants[0]!(i));
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-verbatim-'));
  const file = join(dir, 'orders.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const topic = uniqueTopic('verbatim');
  await createTopic(topic, 1);
  // A sink that counts the rows it copied, so the test knows both paths ran.
  // The source's only consumer copies bytes, so its batches are lazy (runtime/lazy.ts): the sink must
  // write them without decoding their rows (lines that are not verbatim were decoded by the source).
  let copied = 0;
  let lazy = 0;
  let decoded = 0;
  const factory: NodeFactory<'sink.kafka'> = {
    kind: 'sink',
    create: (spec, ctx) => {
      const sink = new KafkaSink(spec.id, spec.config, local, ctx);
      const write = sink.write.bind(sink);
      sink.write = async (batch: Batch): Promise<void> => {
        if (batch instanceof LazyBatch || batch.bytes?.rows === batch.rows) copied += batch.bytes!.buffers.filter((b) => b !== undefined).length;
        await write(batch);
        if (batch instanceof LazyBatch) {
          lazy++;
          if (batch.materialized) decoded++;
        }
      };
      return sink;
    },
  };
  const run = createRun({
    format: 'streamlake.pipeline', version: 1, name: uniqueTopic('verbatim-pipe'),
    nodes: [
      { id: 'in', type: 'source.file', config: { path: file, format: 'jsonl' } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic, format: 'json', delivery: 'at-least-once' } },
    ],
    edges: [{ from: 'in', to: 'out' }],
  }, { lakeDir: join(dir, 'lake'), homeDir: dir, checkpointDir: join(dir, 'checkpoints'), nodes: { 'sink.kafka': factory } });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const want = lines.map((line) => JSON.stringify(reviveTimestamps(JSON.parse(line) as Row)));
  const got = values(topic);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `line ${i + 1}: ${lines[i]}`);
  assert.ok(copied > 4000 && copied < 5000, `rows copied: ${copied}`);
  assert.ok(lazy > 0 && decoded === 0, `lazy batches ${lazy}, decoded by the sink ${decoded}`);
});

test('a lazy batch: rows with bytes are copied, the others encoded from their rows, none decoded', async () => {
  const topic = uniqueTopic('verbatim-lazy');
  await createTopic(topic, 1);
  const sink = new KafkaSink('out', { connection: 'local', topic, format: 'json', delivery: 'at-least-once' }, local, testContext('out'));
  const marker = Buffer.from('{"copied":1}{"copied":2}');
  const known = new Map<number, Row>([[1, { n: 'known' }]]);
  const batch = new LazyBatch('p', 3, [marker, undefined, marker], [0, 0, 12], [12, 0, 24], () => { throw new Error('decoded'); }, known);
  await sink.write(batch);
  assert.equal(batch.materialized, false);
  await sink.close();
  assert.deepEqual(values(topic), ['{"copied":1}', '{"n":"known"}', '{"copied":2}']);
  // With a key the sink evaluates it on every row: the batch is decoded, and its bytes still copied.
  // Its own topic: two producers' requests reach the broker in no fixed order.
  const keyedTopic = uniqueTopic('verbatim-keyed');
  await createTopic(keyedTopic, 1);
  const keyed = new KafkaSink('out', { connection: 'local', topic: keyedTopic, format: 'json', delivery: 'at-least-once', key: 'n' }, local, testContext('out'));
  const decodedBatch = new LazyBatch('p', 2, [marker, marker], [0, 12], [12, 24], () => [{ n: 1 }, { n: 2 }]);
  await keyed.write(decodedBatch);
  assert.equal(decodedBatch.materialized, true);
  await keyed.close();
  assert.deepEqual(values(keyedTopic), ['{"copied":1}', '{"copied":2}']);
});

test('the sink copies a batch\'s bytes only for the very row array they were taken for', async () => {
  const topic = uniqueTopic('verbatim-direct');
  await createTopic(topic, 1);
  const sink = new KafkaSink('out', { connection: 'local', topic, format: 'json', delivery: 'at-least-once' }, local, testContext('out'));
  // Bytes that are deliberately not the rows' JSON, to see which path each batch took.
  const marker = Buffer.from('{"copied":true}');
  const rows: Row[] = [{ n: 1 }, { n: 2 }];
  await sink.write({ rows, partition: 'p', bytes: { rows, buffers: [marker, undefined], starts: [0, 0], ends: [marker.length, 0] } });
  // An operator's new array (here: the same rows, copied) must not take the bytes along.
  const other = [...rows];
  await sink.write({ rows: other, partition: 'p', bytes: { rows, buffers: [marker, marker], starts: [0, 0], ends: [marker.length, marker.length] } });
  await sink.close();
  assert.deepEqual(values(topic), ['{"copied":true}', '{"n":2}', '{"n":1}', '{"n":2}']);
});
