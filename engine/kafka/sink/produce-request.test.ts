// The swapped Produce encoding writes the same record batches as kafkajs' own encoder: compared byte for
// byte (keys, null values, headers with repeated names, multi-byte text, transactional flag, sequence), and
// CRC-32C against kafkajs' implementation. Round trips through the broker are in sink.test.ts and
// ../source.test.ts (kcat and our source read what the sink wrote, in every codec).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import '../kafkajs.ts';
import { BufferPool, RecordsBuilder } from './builder.ts';
import { crc32c, encodeRecordBatch, frameRecordBatch, joinRequest, requestRoom } from './produce-request.ts';

const require = createRequire(import.meta.url);
const stockCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buf: Buffer) => number;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (m: object) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch(args: object): Promise<{ buffer: Buffer }> };

test('crc32c equals kafkajs CRC-32C for every length and alignment', () => {
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff));
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 7) assert.equal(crc32c(data, start, end), stockCrc(data.subarray(start, end)) >>> 0, `[${start}, ${end})`);
  }
});

test('record batches are byte-identical to kafkajs RecordBatch v0', async () => {
  const messages = [
    { key: 'k1', value: '{"a":1}' },
    { key: null, value: Buffer.from([0, 1, 2, 255]) },
    { key: Buffer.from('bk'), value: null },
    { value: 'ünïcødé ✓ 日本', headers: { h: 'x', multi: ['1', Buffer.from('2')] } },
    { key: 'long', value: 'y'.repeat(300) },
  ];
  for (const transactional of [false, true]) {
    const now = 1_790_000_000_123;
    const ours = await encodeRecordBatch({ messages, compression: 0, transactional, producerId: '4242', producerEpoch: 3, firstSequence: 17, now });
    const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: 0 }));
    const theirs = await RecordBatch({ records, firstTimestamp: now, maxTimestamp: now, producerId: '4242', producerEpoch: 3, firstSequence: 17, transactional, lastOffsetDelta: messages.length - 1 });
    assert.deepEqual(ours, theirs.buffer, `transactional ${transactional}`);
  }
});

test('records built as rows are queued frame into the same batch as kafkajs writes', async () => {
  const messages = [
    { key: 'k1', value: '{"a":1}' },
    { key: null, value: Buffer.from([0, 1, 2, 255]) },
    { key: Buffer.from('bk'), value: null },
    { key: null, value: 'ünïcødé ✓ 日本', headers: { h: 'x', other: 'ü' } },
    ...Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: 'v'.repeat(i) })),
  ];
  // A small first capacity, so the builder grows several times.
  const builder = new RecordsBuilder(64);
  for (const m of messages) builder.add(m.key, m.value, 'headers' in m ? m.headers : undefined);
  const now = 1_790_000_000_456;
  const ours = await frameRecordBatch({ ...builder.take(), firstTimestamp: now, maxTimestamp: now, compression: 0, transactional: true, producerId: '7', producerEpoch: 1, firstSequence: 5 });
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: 0 }));
  const theirs = await RecordBatch({ records, firstTimestamp: now, maxTimestamp: now, producerId: '7', producerEpoch: 1, firstSequence: 5, transactional: true, lastOffsetDelta: messages.length - 1 });
  assert.deepEqual(ours, theirs.buffer);
  assert.equal(builder.count, 0, 'take() starts over');
});

test('batches framed in place from taken buffers equal copies framed apart, taken well filled or nearly empty, framed twice (a retry)', async () => {
  const next = ((seed: number) => () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32))(5);
  const builder = new RecordsBuilder(4096);
  const taken: { records: Buffer; count: number; batch?: Buffer; copy: Buffer; messages: { key: string | null; value: string }[] }[] = [];
  for (let round = 0; round < 40; round++) {
    // From one small record (the buffer far from a quarter full: copied) to thousands (handed over).
    const n = round % 3 === 0 ? 1 : Math.floor(next() * 3000);
    const messages = Array.from({ length: n }, (_, i) => ({ key: next() < 0.5 ? null : `k${round}-${i}`, value: `{"r":${round},"i":${i},"s":"${'é✓x'.repeat(Math.floor(next() * 40))}"}` }));
    for (const m of messages) builder.add(m.key, m.value);
    const t = builder.take();
    assert.ok(t.batch && t.batch.length === t.records.length + 61 && t.records.buffer === t.batch.buffer && t.records.byteOffset === t.batch.byteOffset + 61, 'records are the tail of batch');
    taken.push({ ...t, copy: Buffer.from(t.records), messages });
  }
  const now = 1_790_000_000_789;
  for (const [i, t] of taken.entries()) {
    // Later rounds reuse or replace the builder's buffer: an earlier batch must keep its bytes.
    assert.ok(t.records.equals(t.copy), `round ${i}: records changed after later rounds`);
    const args = { count: t.count, firstTimestamp: now, maxTimestamp: now, compression: 0, transactional: i % 2 === 0, producerId: '99', producerEpoch: 2, firstSequence: i * 10 };
    const apart = await frameRecordBatch({ ...args, records: t.copy });
    const inPlace = await frameRecordBatch({ ...args, records: t.records, batch: t.batch });
    assert.equal(inPlace.buffer, t.batch!.buffer, `round ${i}: framed in place`);
    assert.deepEqual(inPlace, apart, `round ${i}`);
    assert.deepEqual(await frameRecordBatch({ ...args, records: t.records, batch: t.batch }), apart, `round ${i}: framed again`);
    const theirs = await encodeRecordBatch({ ...args, messages: t.messages, now });
    assert.deepEqual(inPlace, theirs, `round ${i}: as the message path encodes it`);
  }
});

test('a request framed around its batch in the builder\'s buffer equals the one joined into a new buffer; too little room falls back', async () => {
  const head = (n: number, fill: number) => Buffer.alloc(n, fill);
  const room = requestRoom('streamlake-out', 'streamlake:x/p/out', 'topic-é');
  const pool = new BufferPool(2);
  const builder = new RecordsBuilder(1024, room, pool);
  const now = 1_790_000_000_999;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 200 + round * 50; i++) builder.add(round % 2 ? `k${i}` : null, `{"round":${round},"i":${i},"t":"ünï"}`);
    const t = builder.take();
    assert.equal(t.frame!.byteOffset + room, t.batch!.byteOffset, 'room in front of the batch');
    const args = { count: t.count, firstTimestamp: now, maxTimestamp: now, compression: 0, transactional: true, producerId: '5', producerEpoch: 0, firstSequence: round };
    const batch = await frameRecordBatch({ ...args, records: t.records, batch: t.batch });
    const apart = await frameRecordBatch({ ...args, records: Buffer.from(t.records) });
    // The request header parts exactly as long as the room, then one byte more than fits.
    const parts = [head(12, 1), head(2 + 14, 2), head(2 + 18, 3), head(6, 4), head(4, 5), head(2 + 8, 6), head(4, 7), head(8, 8)];
    assert.equal(parts.reduce((n, p) => n + p.length, 0), room);
    const expected = Buffer.concat([...parts, apart]);
    const inPlace = joinRequest([...parts, batch], t.frame);
    assert.equal(inPlace.buffer, t.frame!.buffer, `round ${round}: framed in place`);
    assert.deepEqual(inPlace, expected, `round ${round}`);
    const tooBig = [head(1, 9), ...parts];
    const joined = joinRequest([...tooBig, batch], t.frame);
    assert.notEqual(joined.buffer, t.frame!.buffer);
    assert.deepEqual(joined, Buffer.concat([...tooBig, apart]));
    // Answered: the buffer goes back to the pool and the builder takes it for a later round.
    if (t.frame!.length > t.records.length) pool.give(t.frame!);
  }
  assert.equal(joinRequest([head(3, 1), head(4, 2)]).length, 7, 'no frame: a new buffer');
});

test('BufferPool: exact sizes only, small buffers not kept, the oldest dropped when full', () => {
  const pool = new BufferPool(2, 1024);
  pool.give(Buffer.alloc(100));
  assert.equal(pool.size, 0, 'a small copy is not kept');
  const a = Buffer.alloc(4096);
  const b = Buffer.alloc(8192);
  const c = Buffer.alloc(4096);
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assert.equal(pool.size, 2);
  assert.equal(pool.take(2048), undefined);
  assert.equal(pool.take(4096), c, 'the newest of that size');
  assert.equal(pool.take(4096), undefined, 'a was dropped for c');
  assert.equal(pool.take(8192), b);
  assert.equal(pool.size, 0);
});
