// jsonText writes exactly what JSON.stringify writes (with bytes as base64), for every kind of value a row
// carries, and timestamps across days, years and the edges of the fast path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoText, jsonText } from './json.ts';

function reference(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}

test('rows: the same text as JSON.stringify', () => {
  const rows: Record<string, unknown>[] = [
    {},
    { a: 1, b: 'x', c: true, d: null, e: undefined, f: 1.5e-7, g: -0, h: Number.NaN, i: Number.POSITIVE_INFINITY },
    { 'quo"te': 'line\nbreak \u2028 "q" \\ ünï 日本 \ud83d\ude00 \ud800', 2: 'int key', 1: 'first' },
    { nested: { a: [1, { b: new Date(Date.UTC(2026, 0, 1)) }], bytes: new Uint8Array([1, 2, 3]) }, list: [null, 'x'] },
    { bytes: new Uint8Array([0, 255, 10]), f: () => 1, s: Symbol('x') },
    { t: new Date(Date.UTC(2026, 11, 6, 23, 59, 59, 999)), bad: new Date(Number.NaN), old: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 1)), far: new Date(Date.UTC(10000, 0, 1)) },
  ];
  for (const row of rows) assert.equal(jsonText(row), reference(row));
  // A Buffer is bytes too (JSON.stringify would write {"type":"Buffer","data":[…]} through its toJSON).
  assert.equal(jsonText({ buffer: Buffer.from('hi') }), '{"buffer":"aGk="}');
});

test('timestamps: every millisecond pattern and day boundary equals toISOString', () => {
  let ms = Date.UTC(1970, 0, 1);
  const end = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  for (let i = 0; i < 200_000; i++) {
    const d = new Date(ms);
    assert.equal(isoText(d), `"${d.toISOString()}"`);
    ms += 1 + ((i * 7919) % 86_400_000) * (i % 3 === 0 ? 997 : 1);
    if (ms > end) ms = Date.UTC(1970, 0, 1) + i;
  }
  for (const edge of [0, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 12), end]) assert.equal(isoText(new Date(edge)), `"${new Date(edge).toISOString()}"`);
});
