import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALIGN_SLACK, coAligned } from './pool.ts';

test('coAligned: the first position at or after `at` aligned (mod 8) as the source byte, never more than the slack ahead', () => {
  const backing = new ArrayBuffer(64);
  for (let offset = 0; offset < 16; offset++) {
    const source = new Uint8Array(backing, offset, 32);
    for (let from = 0; from < 16; from++) {
      for (let at = 0; at < 24; at++) {
        const p = coAligned(at, source, from);
        assert.ok(p >= at && p - at <= ALIGN_SLACK, `at ${at}, offset ${offset}, from ${from}: ${p}`);
        assert.equal((p - (offset + from)) & 7, 0, `at ${at}, offset ${offset}, from ${from}: ${p}`);
      }
    }
  }
});
