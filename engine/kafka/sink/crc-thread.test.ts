// The CRC thread's checksums equal crc32c() here (which equals kafkajs', produce-request.test.ts) for
// shared buffers of many sizes and alignments, many at once; unshared or small buffers are computed here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32cShared, sharedBuffer } from './crc-thread.ts';
import { crc32c } from './crc32c.ts';

test('checksums from the CRC thread equal crc32c for shared buffers of every alignment, concurrently', async () => {
  const buf = sharedBuffer(3 << 20);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
  const ranges: [number, number][] = [];
  for (let k = 0; k < 40; k++) {
    const start = (k * 7919) % 4096 + k;
    ranges.push([start, start + (64 << 10) + ((k * 104729) % (900 << 10))]);
  }
  const answers = ranges.map(([start, end]) => crc32cShared(buf, start, end));
  assert.ok(answers.every((a) => a instanceof Promise), 'large shared ranges go to the thread');
  const got = await Promise.all(answers);
  assert.deepEqual(got, ranges.map(([start, end]) => crc32c(buf, start, end)));
  // A view that starts inside the shared memory.
  const view = buf.subarray(12345, 12345 + (300 << 10));
  assert.equal(await crc32cShared(view, 3, view.length - 5), crc32c(view, 3, view.length - 5));
});

test('small or unshared buffers are checksummed on the calling thread', () => {
  const plain = Buffer.alloc(1 << 20, 7);
  assert.equal(crc32cShared(plain, 0, plain.length), crc32c(plain, 0, plain.length));
  const shared = sharedBuffer(1000);
  shared.fill(3);
  assert.equal(crc32cShared(shared, 1, 999), crc32c(shared, 1, 999));
});
