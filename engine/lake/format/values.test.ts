import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareValues, decimalBytes, decimalFromBytes, decodeValue, encodeValue } from './values.ts';

test('single-value serialization follows spec Appendix D', () => {
  assert.deepEqual([...encodeValue('int', 1)], [1, 0, 0, 0]);
  assert.deepEqual([...encodeValue('long', -2)], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...encodeValue('boolean', true)], [1]);
  assert.deepEqual([...encodeValue('string', 'é')], [0xc3, 0xa9]);
  assert.deepEqual([...encodeValue('double', 1)], [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  assert.deepEqual([...encodeValue('decimal(9, 2)', 1420n)], [0x05, 0x8c]);
  for (const [type, value] of [['int', -5], ['long', 2 ** 52], ['timestamptz', 1_700_000_000_123_456], ['date', 17486], ['double', -0.5], ['string', 'abc'], ['boolean', false], ['decimal(10, 2)', -12345n]] as const) {
    assert.deepEqual(decodeValue(type, encodeValue(type, value)), value);
  }
});

test('bounds written before int→long or float→double widening still decode', () => {
  assert.equal(decodeValue('long', encodeValue('int', -7)), -7);
  assert.equal(decodeValue('double', encodeValue('float', 1.5)), 1.5);
});

test('decimal bytes are minimal two\'s complement', () => {
  const cases: [bigint, number[]][] = [[0n, [0]], [1n, [1]], [127n, [0x7f]], [128n, [0, 0x80]], [-1n, [0xff]], [-128n, [0x80]], [-129n, [0xff, 0x7f]], [-32768n, [0x80, 0]]];
  for (const [v, bytes] of cases) {
    assert.deepEqual([...decimalBytes(v)], bytes, String(v));
    assert.equal(decimalFromBytes(Buffer.from(bytes)), v);
  }
});

test('strings compare by UTF-8 bytes like Java', () => {
  assert.ok(compareValues('a', 'b') < 0);
  assert.ok(compareValues('\uffff', '😀') < 0); // UTF-16 order would say the opposite
  assert.equal(compareValues(2n, 2n), 0);
});
