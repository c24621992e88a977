// Kafka JSON values decoded by a worker against formats.ts' decoder on the source's thread: the same row or
// the same failure reason for every message, in order, for values located in a fetched buffer (KafkaRecord)
// and for plain kafkajs messages, with tombstones, oversized values, malformed JSON and multi-byte UTF-8.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { createDecoder, DecodeFailure } from '../kafka/formats.ts';
import { KafkaRecord } from '../kafka/records.ts';
import { decodeValuesPooled } from './kafka-values.ts';
import { DecodePool } from './pool.ts';

const values = [
  '{"amount":12.5,"event_time":"2026-01-01T00:00:01.500Z","region":"europe"}',
  '{"region":"東京","amount":-3,"note":"Grüße 👋"}',
  '{"amount":1e3,"event_time":"not a time","region":null,"extra":{"x":[1]}}',
  '{"amount":',
  '[1,2]',
  'null',
  '{"region":"esc\\"aped","amount":0}',
  '{"big":"' + 'x'.repeat(300) + '"}',
  '\u00ff\u00fe',
  '{}',
];

function randomValues(seed: number, count: number): (string | null)[] {
  let a = seed;
  const next = (): number => ((a = (a * 1103515245 + 12345) >>> 0) / 4294967296);
  return Array.from({ length: count }, () => (next() < 0.05 ? null : (values[Math.floor(next() * values.length)] as string)));
}

const pools: DecodePool[] = [];
after(async () => Promise.all(pools.map((p) => p.close())));

for (const fields of [['amount', 'event_time', 'region', 'note'], undefined]) {
  test(`worker decoding of JSON values equals the inline decoder (${fields ? 'projected' : 'whole rows'})`, async () => {
    const maxBytes = 256;
    const pool = new DecodePool(2, { format: 'kafka-json', fields, maxBytes });
    pools.push(pool);
    const inline = createDecoder('json', { fields, maxBytes });
    const texts = randomValues(fields ? 3 : 4, 3000);
    // As kafkajs messages.
    const messages = texts.map((t) => ({ value: t === null ? null : Buffer.from(t) }) as KafkaMessage);
    // As records located in one fetched buffer, with other bytes between the values.
    const fetched = Buffer.concat(texts.map((t) => Buffer.from(`##${t ?? ''}`)));
    const context = { baseOffset: 0, firstTimestampMs: 0, maxTimestampMs: 0, timestampType: 0 } as unknown as ConstructorParameters<typeof KafkaRecord>[1];
    let at = 0;
    const records = texts.map((t) => {
      const length = t === null ? 0 : Buffer.byteLength(t);
      const record = new KafkaRecord(fetched, context, at, 0, 0, t === null ? -1 : at + 2, at + 2 + length);
      at += 2 + length;
      return record;
    });
    const expected = texts.map((t) => (t === null ? inline.decode(null) : inline.decode(Buffer.from(t))));
    assert.ok(expected.some((d) => d instanceof DecodeFailure) && expected.some((d) => !(d instanceof DecodeFailure)));
    // Records of two fetched buffers, and plain messages among them: the values are copied a stretch
    // of one buffer at a time (kafka-values.ts fill), and each stretch must end where its buffer does.
    const shift = 7;
    const copy = Buffer.concat([Buffer.from('{"x":1}'), fetched]);
    const half = Math.floor(records.length / 2);
    const mixed = records.map((r, i) => (i % 97 === 5 ? messages[i] as KafkaMessage : i < half ? r : new KafkaRecord(copy, context, 0, 0, 0, r.valueStart < 0 ? -1 : r.valueStart + shift, r.valueEnd + shift)));
    for (const batch of [messages, records, mixed]) {
      // A sub-range, as a source delivers after skipping messages below its position.
      const got = await decodeValuesPooled(pool, batch, 7, batch.length - 3);
      assert.deepEqual(got, expected.slice(7, batch.length - 3));
    }
  });
}
