// RecordsBuilder.addRun writes the same records as addSlice row by row (and as add() with the value), and
// stops where the sink would seal a builder; Partitioner.keyless/room/take place keyless messages as
// partition(null) does one by one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordsBuilder } from './builder.ts';
import { Partitioner } from './partitioner.ts';
import { randomInts } from '../../testing/random.ts';

/** Lines of varied lengths (1-byte to 3-byte length varints) back to back in one buffer, LF or CRLF apart. */
function lines(rand: (n: number) => number, count: number): { buf: Buffer; starts: Int32Array; ends: Int32Array } {
  const sizes = [1, 20, 63, 64, 200, 8191, 8192, 20_000];
  const parts: string[] = [];
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  let at = 3;
  parts.push('xyz');
  for (let i = 0; i < count; i++) {
    const text = `{"i":${i},"t":"${'é'.repeat(rand(3))}${'x'.repeat(sizes[rand(sizes.length)]!)}"}`;
    const length = Buffer.byteLength(text);
    starts[i] = at;
    ends[i] = at + length;
    const separator = rand(4) === 0 ? '\r\n' : '\n';
    parts.push(text, separator);
    at += length + separator.length;
  }
  return { buf: Buffer.from(parts.join('')), starts, ends };
}

test('addRun: the same records as addSlice and add() one by one, stopping where the sink seals', () => {
  const rand = randomInts(5);
  const { buf, starts, ends } = lines(rand, 3000);
  for (const [maxBytes, maxCount] of [[900_000, 10_000], [50_000, 10_000], [1_000_000, 37], [3000, 5]] as const) {
    // Small first buffers and room in front, so runs make the builder grow and start after a header room.
    const runs = new RecordsBuilder(16, 70);
    const slices = new RecordsBuilder(16, 70);
    const texts = new RecordsBuilder(16, 70);
    let i = 0;
    let sealed = 0;
    while (i < starts.length) {
      const to = Math.min(starts.length, i + 1 + rand(400));
      const taken = runs.addRun(buf, starts, ends, i, to, maxBytes, maxCount);
      assert.ok(taken >= 1 && taken <= to - i);
      for (let k = i; k < i + taken; k++) {
        slices.addSlice(null, buf, starts[k]!, ends[k]!);
        texts.add(null, buf.toString('utf8', starts[k]!, ends[k]!));
        // Where the sink seals after a row, the run must have stopped at that row (or at `to`).
        const full = slices.bytes >= maxBytes || slices.count >= maxCount;
        if (full) assert.equal(k, i + taken - 1, `the run goes past a full builder (row ${k})`);
      }
      assert.equal(runs.count, slices.count);
      assert.equal(runs.bytes, slices.bytes);
      i += taken;
      if (runs.bytes >= maxBytes || runs.count >= maxCount || rand(5) === 0) {
        const a = runs.take();
        const b = slices.take();
        const c = texts.take();
        assert.equal(a.count, b.count);
        assert.ok(a.records.equals(b.records), `records differ before row ${i}`);
        assert.ok(a.records.equals(c.records));
        sealed++;
      }
    }
    assert.ok(runs.take().records.equals(slices.take().records));
    assert.ok(sealed > 3);
  }
});

test('keyless/room/take give the partitions partition(null) gives message by message', () => {
  const rand = randomInts(8);
  for (const partitions of [1, 3, 7]) {
    const one = new Partitioner(partitions, 1);
    const many = new Partitioner(partitions, 1);
    const want: number[] = [];
    const got: number[] = [];
    for (let i = 0; i < 30_000; i++) want.push(one.partition(null));
    while (got.length < want.length) {
      const partition = many.keyless();
      const n = Math.min(many.room(), 1 + rand(3000), want.length - got.length);
      for (let k = 0; k < n; k++) got.push(partition);
      many.take(n);
    }
    assert.deepEqual(got, want);
  }
});

test('take: a well filled batch comes in shared memory (for the CRC thread) with its room, the builder writes on', () => {
  const room = 40;
  const builder = new RecordsBuilder(64 << 10, room);
  const values = Array.from({ length: 400 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(120)}"}`);
  for (let round = 0; round < 3; round++) {
    for (const value of values) builder.add(null, value);
    const reference = new RecordsBuilder(1 << 20, room);
    for (const value of values) reference.add(null, value);
    const taken = builder.take();
    assert.ok(taken.frame!.buffer instanceof SharedArrayBuffer, `round ${round}: shared frame`);
    assert.equal(taken.frame!.byteOffset + room, taken.batch!.byteOffset);
    assert.equal(taken.count, values.length);
    assert.deepEqual(Buffer.from(taken.records), Buffer.from(reference.take().records));
  }
  builder.add(null, '{"small":true}');
  const small = builder.take();
  assert.equal(small.count, 1);
  assert.ok(!(small.frame!.buffer instanceof SharedArrayBuffer), 'a nearly empty buffer is copied into one of its own');
});
