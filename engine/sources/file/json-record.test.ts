// Whole rows without JSON.parse: the decoder learns the first line's keys and decodes later lines of that
// shape from their bytes. Every row must equal JSON.parse + timestamp revival, keys in the same order,
// whatever the lines do (other keys, other orders, repeats, escapes, index-like keys, nesting, garbage).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { JsonLinesDecoder, JsonRejection } from './json-record.ts';
import { ProjectedJsonDecoder } from './projected.ts';
import { reviveTimestamps } from './values.ts';

/** What JSON.parse gives for a line: the revived row, or why it is no row. */
function reference(text: string): Row | 'rejected' | 'blank' {
  if (text.trim() === '') return 'blank';
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? reviveTimestamps(value as Row) : 'rejected';
  } catch {
    return 'rejected';
  }
}

function same(got: Row, want: Row, text: string): void {
  assert.deepEqual(Object.keys(got), Object.keys(want), `key order of ${text}`);
  assert.deepEqual(got, want, text);
  for (const key of Object.keys(want)) {
    const v = want[key];
    if (typeof v === 'number') assert.ok(Object.is(got[key], v), `${key} of ${text}: ${String(got[key])} vs ${v}`);
  }
}

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

test('complete projection: a line with exactly the fields in order is decoded, anything else is left to JSON.parse', () => {
  const fields = ['id', 'region', 'amount', 'at'];
  const decoder = new ProjectedJsonDecoder(fields, { complete: true });
  const decode = (text: string): Row | undefined => decoder.decode(Buffer.from(text), 0, Buffer.byteLength(text));
  const fast = [
    '{"id":"o-1","region":"eu","amount":12.5,"at":"2026-01-01T00:00:00.000Z"}',
    '{ "id" : "o-2" , "region" : null , "amount" : -0 , "at" : "2026-01-01T00:00:00+02:00" }',
    '{"id":"o-3","region":"eu"}',
    '{"id":{"x":[1,"2026-01-01T00:00:00.000Z"]},"region":true,"amount":1e400,"at":"not a time but long text"}',
    '{}',
  ];
  for (const text of fast) {
    const got = decode(text);
    assert.ok(got, `decoded ${text}`);
    same(got, reference(text) as Row, text);
  }
  const deferred = [
    '{"region":"eu","id":"o-1","amount":1,"at":"2026-01-01T00:00:00.000Z"}',
    '{"id":"o-1","region":"eu","amount":1,"at":"2026-01-01T00:00:00.000Z","extra":1}',
    '{"id":"o-1","id":"o-2"}',
    '{"id":"o-1","amount":1}',
    '{"other":1}',
    '{"id":"esc\\"aped"}',
  ];
  for (const text of deferred) assert.equal(decode(text), undefined, text);
});

test('whole rows: the learning decoder gives exactly JSON.parse + revival for random lines and shapes', () => {
  const rand = random(5);
  const shapes = [
    ['order_id', 'customer_id', 'product', 'category', 'region', 'quantity', 'unit_price', 'amount', 'event_time'],
    ['a', 'b'],
    ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17'],
    ['2', 'x', '1'],
    ['é', '日本', 'a b'],
  ];
  const values = ['0', '-1', '3.25', '12.99', '1e3', '-0', '123456789012345678', '"eu"', '"europe"', '"2026-01-01T00:00:00.000Z"', '"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00.123+01:00"', '"a\\"b"', 'true', 'false', 'null', '[1,"x",{}]', '{"k":["2026-01-01T00:00:00.000Z"]}', '"ü"', '"\\u00e9"', `"ord-${'x'.repeat(30)}"`];
  const junk = ['', ',', ':', '"', '{', '}', ']', '.', '-', '\t', 'x'];
  const decoder = new JsonLinesDecoder(undefined);
  let shape = shapes[0]!;
  let rows = 0;
  for (let i = 0; i < 40_000; i++) {
    // Mostly one shape for a long run, as files are; sometimes another, a reordering, a dropped or repeated key, garbage.
    if (rand(2000) === 0) shape = shapes[rand(shapes.length)]!;
    let keys = shape;
    const r = rand(100);
    if (r === 0) keys = [...shape].reverse();
    else if (r === 1) keys = shape.slice(0, rand(shape.length));
    else if (r === 2) keys = [...shape, shape[0]!];
    else if (r === 3) keys = [...shape, 'extra'];
    let line = `{${keys.map((k) => `${JSON.stringify(k)}:${values[rand(values.length)]}`).join(rand(20) === 0 ? ' , ' : ',')}}`;
    if (rand(50) === 0) {
      const at = rand(line.length + 1);
      line = line.slice(0, at) + junk[rand(junk.length)]! + line.slice(at + rand(2));
    }
    if (rand(200) === 0) line = rand(2) === 0 ? '   ' : '[1]';
    const buf = Buffer.from(`{"a":${line}}`);
    const got = decoder.decode(buf, 5, 5 + Buffer.byteLength(line));
    const want = reference(line);
    if (want === 'blank') assert.equal(got, undefined, line);
    else if (want === 'rejected') assert.ok(got instanceof JsonRejection, line);
    else {
      assert.ok(got !== undefined && !(got instanceof JsonRejection), line);
      same(got, want, line);
      rows++;
    }
  }
  assert.ok(rows > 30_000);
});
