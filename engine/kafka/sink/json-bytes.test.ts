// JsonRowWriter writes the bytes of JSON.stringify(row) (bytes as base64), checked against V8's own
// JSON.stringify over hand-picked edge cases and random rows; RecordsBuilder.addJson gives the same
// records, byte for byte, as add() with the row's text, whatever length prefixes the values need.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordsBuilder } from './builder.ts';
import { JsonRowWriter } from './json-bytes.ts';
import { GrowingOutput } from './testing.ts';

/** JSON.stringify with bytes as base64 (looked up before toJSON, so Buffers are bytes too). */
function reference(row: Record<string, unknown>): string {
  return JSON.stringify(row, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : v;
  });
}

function written(writer: JsonRowWriter, row: Record<string, unknown>, at = 0): string {
  const out = new GrowingOutput(4); // small, so growth in the middle of a row is exercised too
  const end = writer.write(row, out, at);
  return out.buf.toString('utf8', at, end);
}

test('edge cases: the same bytes as JSON.stringify', () => {
  const writer = new JsonRowWriter();
  const rows: Record<string, unknown>[] = [
    {},
    { a: 1, b: 'x', c: true, d: null, e: undefined, f: 1.5e-7, g: -0, h: Number.NaN, i: Number.POSITIVE_INFINITY, j: false },
    { undefinedFirst: undefined, fn: () => 1, sym: Symbol('s'), then: 1 },
    { 'quo"te': 'line\nbreak \u2028 "q" \\ ünï 日本 \ud83d\ude00 \ud800 \udc00x \u0000\u001f\u007f\b\f\r\t/', 2: 'int key', 1: 'first' },
    { ints: 2147483647, neg: -2147483648, big: 2147483648, bigger: -9007199254740991, huge: 1e21, small: 5e-324, frac: 0.1 + 0.2, n9: 999999999, n10: 1000000000 },
    { nested: { a: [1, { b: new Date(Date.UTC(2026, 0, 1)) }], bytes: new Uint8Array([1, 2, 3]), buffer: Buffer.from('nested') }, list: [null, 'x', undefined, Buffer.from([1])] },
    { bytes: new Uint8Array([0, 255, 10]), buffer: Buffer.from('hi'), view: new Uint8Array(Buffer.from('abcdef').buffer, 0, 0) },
    { t: new Date(Date.UTC(2026, 11, 6, 23, 59, 59, 999)), bad: new Date(Number.NaN), old: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 1)), far: new Date(Date.UTC(10000, 0, 1)), zero: new Date(0) },
    { long: 'é'.repeat(65) + '"\n', longAscii: 'x'.repeat(200), longLone: '\ud800'.repeat(70) },
    { custom: { toJSON: () => 'custom' }, gone: { toJSON: () => undefined }, after: 1 },
    { boxed: Object.assign(Object.create(null) as object, { x: 1 }), s: new String('boxed') as unknown, num: new Number(3) as unknown },
    { toJSON: () => ({ replaced: true }), hidden: 1 },
  ];
  for (const row of rows) {
    assert.equal(written(writer, row), reference(row), JSON.stringify(Object.keys(row)));
    // Written at an offset into a fresh output too.
    assert.equal(written(writer, row, 7), reference(row));
  }
  // Keys in a different order after a shape was cached.
  assert.equal(written(writer, { b: 1, a: 2 }), '{"b":1,"a":2}');
  assert.equal(written(writer, { a: 2, b: 1 }), '{"a":2,"b":1}');
  assert.throws(() => written(writer, { n: 1n }), TypeError);
});

/** A small deterministic generator (the test must not depend on Math.random to be repeatable). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', 'ß', '€', '日', '\u2028', '\ud83d\ude00', '\ud800', '\udfff', '\uffff'];

function randomValue(next: () => number): unknown {
  const kind = Math.floor(next() * 11);
  switch (kind) {
    case 0: return Math.floor(next() * 2 ** 33) - 2 ** 32;
    case 1: return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 2: return Math.round(next() * 100000) / 100;
    case 3: case 4: {
      const length = Math.floor(next() * (next() < 0.1 ? 120 : 20));
      let s = '';
      for (let i = 0; i < length; i++) s += next() < 0.7 ? String.fromCharCode(97 + Math.floor(next() * 26)) : alphabet[Math.floor(next() * alphabet.length)]!;
      return s;
    }
    case 5: return new Date(Math.floor((next() - 0.1) * 2 ** 45));
    case 6: return next() < 0.5;
    case 7: return null;
    case 8: return undefined;
    case 9: return { x: randomValue(next), y: [randomValue(next), randomValue(next)] };
    default: return new Uint8Array(Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * 256)));
  }
}

test('random rows: the same bytes as JSON.stringify', () => {
  const next = random(16);
  const writer = new JsonRowWriter();
  const shapes = [['order_id', 'amount', 'event_time'], ['a', 'ключ', 'k"q', '3'], ['x']];
  for (let i = 0; i < 20_000; i++) {
    const keys = shapes[Math.floor(next() * shapes.length)]!;
    const row: Record<string, unknown> = {};
    for (const key of keys) row[key] = randomValue(next);
    assert.equal(written(writer, row), reference(row));
  }
});

test('RecordsBuilder.addJson: the same records as add() with the JSON text, across length prefixes', () => {
  const next = random(9);
  const writer = new JsonRowWriter();
  const inPlace = new RecordsBuilder(16);
  const asText = new RecordsBuilder(16);
  // Values from a few bytes (1-byte varints) to over 8 KiB (3-byte varints), in runs and alternating.
  const sizes = [0, 3, 50, 62, 63, 64, 200, 8180, 8200, 20_000, 5, 9000, 40];
  for (let i = 0; i < 600; i++) {
    const size = sizes[i < 200 ? Math.floor(i / 16) % sizes.length : Math.floor(next() * sizes.length)]!;
    const row = { id: i, text: 'x'.repeat(size), at: new Date(Date.UTC(2026, 0, 1) + i * 1000) };
    const key = next() < 0.3 ? null : `key-${i}`;
    const headers = next() < 0.2 ? { trace: `t${i}`, 'h-é': 'v' } : undefined;
    inPlace.addJson(key, row, writer, headers);
    asText.add(key, reference(row), headers);
    if (next() < 0.05) {
      const a = inPlace.take();
      const b = asText.take();
      assert.equal(a.count, b.count);
      assert.ok(a.records.equals(b.records), `records differ at row ${i}`);
    }
  }
  const a = inPlace.take();
  const b = asText.take();
  assert.equal(a.count, b.count);
  assert.ok(a.records.equals(b.records));
});

test('numbers: hundredths and everything around them as JSON.stringify writes them', () => {
  const writer = new JsonRowWriter();
  const next = random(3);
  const special = [0.01, 0.1, 0.07, 0.29, 1.005, 38.97, 99.99, 100.1, -0.5, -0.01, -12.3, 2 ** 43 - 0.01, 2 ** 43 + 0.25, 2 ** 45 + 0.5, 1e15 + 0.5, 2 ** 53, 0.1 + 0.2, 1 / 3, 4.35, 1.15, 1234567.89, -2147483648.5, 2147483648.25];
  for (const n of special) assert.equal(written(writer, { n }), JSON.stringify({ n }), String(n));
  for (let i = 0; i < 200_000; i++) {
    const scale = 10 ** Math.floor(next() * 16);
    const n = (Math.round(next() * scale * 100) / 100) * (next() < 0.3 ? -1 : 1);
    const near = n + (next() < 0.2 ? Number.EPSILON * n : 0);
    assert.equal(written(writer, { n: near }), JSON.stringify({ n: near }));
  }
});
