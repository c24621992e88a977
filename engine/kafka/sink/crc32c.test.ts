// The word-wise CRC-32C against the byte-wise reference and kafkajs' own implementation, on random data at
// every alignment of the underlying memory (Buffers from Node's pool start at arbitrary offsets), and the
// standard check value.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { crc32c, crc32cBytes } from './crc32c.ts';

const require = createRequire(import.meta.url);
const stockCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buf: Buffer) => number;

test('crc32c of "123456789" is the CRC-32C check value 0xe3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('crc32c equals the byte-wise reference and kafkajs for random data at every alignment and length', () => {
  const data = randomBytes(5000);
  for (let offset = 0; offset < 8; offset++) {
    // A view starting `offset` bytes into its ArrayBuffer, so word alignment differs from index alignment.
    const view = new Uint8Array(data.buffer, data.byteOffset + offset, data.length - offset);
    for (let start = 0; start < 20; start += 3) {
      for (const length of [0, 1, 15, 63, 64, 65, 79, 80, 81, 257, 1000, 4093]) {
        const end = Math.min(view.length, start + length);
        const expected = crc32cBytes(view, start, end);
        assert.equal(crc32c(view, start, end), expected, `offset ${offset} [${start}, ${end})`);
        assert.equal(expected, stockCrc(Buffer.from(view.subarray(start, end))) >>> 0, `reference vs kafkajs, offset ${offset} [${start}, ${end})`);
      }
    }
  }
});
