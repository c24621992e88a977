// The LZ4 writer round-trips through an independent decoder (lz4js) on data of every shape; the broker
// test in source.test.ts checks that Kafka's lz4-java accepts it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as lz4js from 'lz4js';
import { lz4Frame } from './lz4.ts';

test('lz4 frames decode to the original bytes', () => {
  let seed = 7;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    Buffer.from('a'),
    Buffer.from('abcabcabcabcabcabcabc'),
    Buffer.from(Array.from({ length: 3000 }, (_, i) => JSON.stringify({ order_id: `o-${i}`, pad: 'y'.repeat(i % 40) })).join('')),
    Uint8Array.from({ length: 200_000 }, () => Math.floor(rand() * 256)),
    Uint8Array.from({ length: 150_000 }, (_, i) => (i % 97 < 50 ? 65 : Math.floor(rand() * 4))),
  ];
  for (const input of inputs) {
    const frame = lz4Frame(input);
    assert.deepEqual(Buffer.from(lz4js.decompress(frame)), Buffer.from(input), `length ${input.length}`);
  }
  assert.ok(lz4Frame(inputs[3]!).length < inputs[3]!.length / 3, 'repetitive JSON compresses');
});
