// The json message decoder against an independent computation: strict UTF-8 (TextDecoder, fatal), then
// JSON.parse, the read fields picked and ISO timestamps revived. The projected decoder checks UTF-8 inside
// its own scan (decodeUtf8), so the random values here carry invalid bytes in every position, also inside
// keys and repeated values it remembers, next to unicode, escapes, big and exponent numbers and dates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../runtime/types.ts';
import { firstInvalidUtf8 } from '../sources/encoding.ts';
import { createDecoder, DecodeFailure, type Decoded } from './formats.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** What the value must decode to, computed without the engine's decoders. */
function reference(bytes: Buffer, fields: readonly string[]): Row | string {
  let text: string;
  try {
    text = fatal.decode(bytes);
  } catch {
    return `value is not valid UTF-8: invalid byte at offset ${firstInvalidUtf8(bytes, 0, bytes.length)} (set the source's encoding to latin1 or utf-8-replace to read such text)`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `JSON value is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, expected an object`;
  }
  const row: Row = {};
  for (const f of fields) {
    if (!Object.hasOwn(value, f)) continue;
    const v = (value as Row)[f];
    const ms = typeof v === 'string' && v.length >= 20 && isoInstant.test(v) ? Date.parse(v) : Number.NaN;
    row[f] = Number.isNaN(ms) ? v : new Date(ms);
  }
  return row;
}

function same(got: Decoded, want: Row | string, what: string): void {
  if (typeof want === 'string') {
    assert.ok(got instanceof DecodeFailure, `${what}: decoded, expected the failure ${want}`);
    assert.equal(got.reason, want, what);
    return;
  }
  assert.ok(!(got instanceof DecodeFailure), `${what}: ${got instanceof DecodeFailure ? got.reason : ''}`);
  assert.deepEqual(got, want, what);
  // deepEqual takes -0 for 0: the exact values too.
  for (const k of Object.keys(want)) if (typeof want[k] === 'number') assert.ok(Object.is(got[k], want[k]), `${what}: ${k}`);
}

/** mulberry32: small, seeded, and without the short low-bit cycles of a plain LCG. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

test('json values decode exactly as strict UTF-8 + JSON.parse, invalid bytes and all, on random input', () => {
  const rand = random(2026);
  const fields = ['amount', 'event_time', 'region', 'é'];
  const keys = ['amount', 'event_time', 'region', 'é', 'order_id', 'product', 'n'];
  const values = [
    '0', '-0', '38.97', '-1.5e-7', '1E+21', '12345678901234567890', '9007199254740993', '0.1', 'true', 'false', 'null',
    '"europe"', '"asia_pacific"', '"Zürich"', '"日本"', '"😀"', '"a\\"b"', '"\\u00e9\\n"', '"\\ud83d\\ude00"', '""',
    '"2026-01-01T00:00:00.059Z"', '"2026-01-01T00:00:00Z"', '"2026-01-01T02:00:00.5+02:00"', '"2026-01-01T00:00:00.123456789Z"',
    '"2026-02-30T00:00:00.000Z"', '"2026-01-01T24:00:00.000Z"', '"ord-000000001"', '"USB-C cable"', '[1,"x",{"k":null}]', '{"nested":{"a":[]}}',
  ];
  // Bytes that break UTF-8: a lone continuation, overlong forms, a surrogate, beyond U+10FFFF, cut sequences.
  const bad = [[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff], [0xc3], [0xe6, 0x97]];
  const junk = [' ', ',', ':', '"', '\\', '{', '}', 'e', '-', '\t', '\u0001'];
  const decoder = createDecoder('json', { fields });
  const outcomes = { rows: 0, utf8: 0, other: 0 };
  for (let i = 0; i < 30_000; i++) {
    // Mostly one layout, as a topic's events are; sometimes shuffled, with repeats and spacing.
    const order = rand(8) === 0 ? keys.filter(() => rand(3) > 0).sort(() => rand(3) - 1) : keys;
    const spaced = rand(10) === 0;
    let bytes = Buffer.from(`{${order.map((k) => `"${k}"${spaced ? ' : ' : ':'}${values[rand(values.length)]}`).join(',')}}`);
    const damage = rand(6);
    if (damage === 0) {
      // Invalid bytes anywhere: a key, a remembered value, a number, between tokens.
      const at = rand(bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad[rand(bad.length)]!), bytes.subarray(at)]);
    } else if (damage === 1) {
      const at = rand(bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(junk[rand(junk.length)]!), bytes.subarray(at + rand(2))]);
    }
    // Inside a larger buffer, as the source reads values straight from a fetched batch.
    const head = Buffer.from([0x80, 0xff, 0x22]);
    const fetched = Buffer.concat([head, bytes, Buffer.from([0xff, 0x22, 0x7d])]);
    const want = reference(bytes, fields);
    same(decoder.decode(fetched, head.length, head.length + bytes.length), want, `value ${i}: ${bytes.toString('latin1')}`);
    if (typeof want !== 'string') outcomes.rows++;
    else if (want.startsWith('value is not valid UTF-8')) outcomes.utf8++;
    else outcomes.other++;
  }
  assert.ok(outcomes.rows > 10_000 && outcomes.utf8 > 1_000 && outcomes.other > 1_000, JSON.stringify(outcomes));
});

test('a value with invalid bytes in a key or a repeated string fails every time, not only the first', () => {
  const decoder = createDecoder('json', { fields: ['region', 'amount'] });
  const good = Buffer.from('{"region":"europe","amount":1}');
  const cases = [
    Buffer.concat([Buffer.from('{"region":"eu'), Buffer.from([0xe9]), Buffer.from('","amount":1}')]),
    Buffer.concat([Buffer.from('{"reg'), Buffer.from([0xff]), Buffer.from('":"europe","amount":1}')]),
    Buffer.concat([Buffer.from('{"region":"europe","x'), Buffer.from([0xc0, 0x80]), Buffer.from('":1,"amount":1}')]),
  ];
  for (const value of cases) {
    for (let round = 0; round < 3; round++) {
      assert.ok(decoder.decode(good) instanceof DecodeFailure === false);
      const got = decoder.decode(value);
      assert.ok(got instanceof DecodeFailure, `round ${round} of ${value.toString('latin1')}`);
      assert.match(got.reason, /not valid UTF-8: invalid byte at offset \d+/);
    }
  }
});
