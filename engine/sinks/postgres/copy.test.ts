// COPY text written as bytes (copy.ts, through the encoder) against the simple string form (copyLines as
// UTF-8) on varied random rows, and read back: every batch the encoder offers for staging decodes to
// exactly its rows, and no batch with a value the text cannot give back is offered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { CopyBytes, decodeCopy } from './copy.ts';
import { copyCodec, CopyEncoder } from './encoder.ts';
import { copyLines, inferColumns } from './sql.ts';

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const pieces = ['a', 'Z', ' ', '\\', '\t', '\n', '\r', '\\N', 'ü', 'ß', '€', '✓', '😀', '𝄞', 'é', '"', "'", ',', '|', '\u0001', '\u007f', '\u0800', '\uffff', '0', '.'];

/** Halves of surrogate pairs on their own (Buffer.from writes each as U+FFFD). */
const lone = ['\ud83d', '\udc00', '\udbff', '\ud800'];

function text(rand: () => number, lonely: boolean): string {
  const n = Math.floor(rand() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += lonely && rand() < 0.2 ? lone[Math.floor(rand() * lone.length)] as string : pieces[Math.floor(rand() * pieces.length)] as string;
  return s;
}

function number(rand: () => number): number {
  const r = rand();
  if (r < 0.2) return Math.floor(rand() * 2 ** 31) * (rand() < 0.5 ? -1 : 1);
  if (r < 0.4) return Math.round(rand() * 2e6) / 100 * (rand() < 0.5 ? -1 : 1);
  if (r < 0.5) return Math.round(rand() * 2e4) / 10;
  if (r < 0.6) return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
  if (r < 0.7) return Math.floor(rand() * 2 ** 53) * (rand() < 0.5 ? -1 : 1);
  if (r < 0.8) return [1e21, -1e21, 2 ** 53 + 2, 1e-7, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, 2147483647, -2147483648, 21474836.47, 21474836.48][Math.floor(rand() * 11)] as number;
  return Math.floor(rand() * 1000) - 500;
}

const day = 86_400_000;

/** A value of a column's usual kind (strings, whole or fractional numbers, booleans, dates), sometimes null. */
function exactValue(rand: () => number, kind: number): unknown {
  if (rand() < 0.1) return null;
  switch (kind) {
    case 0: return text(rand, false);
    case 1: return Math.floor(rand() * 2 ** 40) - 2 ** 39;
    case 2: return number(rand);
    case 3: return rand() < 0.5;
    default: return new Date(Math.floor((rand() - 0.3) * 200 * 365 * day) + Math.floor(rand() * 3) * 17);
  }
}

/** Anything, including what the text cannot give back. */
function anyValue(rand: () => number): unknown {
  const r = rand();
  if (r < 0.1) return undefined;
  if (r < 0.2) return -0;
  if (r < 0.3) return text(rand, true);
  if (r < 0.4) return new Uint8Array([0, 1, 254, 255, Math.floor(rand() * 256)]);
  if (r < 0.5) return BigInt(Math.floor(rand() * 1e9)) * 10_000_000_000n;
  if (r < 0.6) return { a: [1, 'x\ty', null], b: { c: 'ü\\' } };
  if (r < 0.7) return new Date(Number.NaN);
  if (r < 0.8) return new Date(rand() < 0.5 ? -62_198_755_200_000 : 253_402_300_800_000 + day);
  if (r < 0.9) return Number.NaN;
  return rand() < 0.5 ? Infinity : -Infinity;
}

test('random rows: the bytes equal copyLines as UTF-8, the types inferColumns; staged batches decode to exactly their rows', () => {
  const rand = random(99);
  for (let round = 0; round < 60; round++) {
    const columns = 1 + Math.floor(rand() * 7);
    const kinds = Array.from({ length: columns }, () => Math.floor(rand() * 5));
    const names = kinds.map((_, i) => (i === 0 && round % 2 ? 'w\\ei"rd' : `c${i}`));
    const wild = round % 3 === 2;
    const rows: Row[] = [];
    const batches: Row[][] = [];
    for (let b = 0; b < 6; b++) {
      const batch: Row[] = [];
      for (let i = 0; i < 1 + Math.floor(rand() * 40); i++) {
        const row: Row = {};
        names.forEach((name, c) => { row[name] = wild && rand() < 0.15 ? anyValue(rand) : exactValue(rand, kinds[c] as number); });
        // a missing field or another order makes the batch go the slow way (and be staged as rows)
        if (wild && rand() < 0.05) delete row[names[0] as string];
        const reordered = wild && rand() < 0.05 ? Object.fromEntries(Object.entries(row).reverse()) : row;
        batch.push(reordered);
        rows.push(reordered);
      }
      batches.push(batch);
    }
    const encoder = new CopyEncoder();
    const staged: { batch: Row[]; bytes: Buffer; meta: unknown; rows: number }[] = [];
    for (const batch of batches) {
      const out = encoder.add(batch);
      if (out) staged.push({ batch, ...out });
    }
    const types = inferColumns(rows);
    assert.deepEqual([...encoder.types()], [...types], `round ${round}`);
    assert.ok(Buffer.concat(encoder.chunks).equals(Buffer.from(copyLines(rows, [...types.keys()]))), `round ${round}`);
    assert.equal(encoder.rows, rows.length);
    if (!wild) assert.equal(staged.length, batches.length, 'every batch of plain values is staged as text');
    for (const s of staged) {
      assert.equal(s.rows, s.batch.length);
      assert.deepStrictEqual(copyCodec.decode(s.meta, s.bytes, s.rows), s.batch, `round ${round}`);
    }
    // a restore sends the staged bytes as they are, for the interval's types
    if (staged.length === batches.length) {
      const restored = CopyEncoder.restore(staged);
      assert.ok(restored);
      assert.deepEqual([...restored.types()], [...types]);
      assert.ok(Buffer.concat(restored.chunks).equals(Buffer.concat(encoder.chunks)));
    }
  }
});

test('values the text does not give back keep their batch out of the staged text', () => {
  const cases: [string, unknown][] = [['undefined', undefined], ['-0', -0], ['a lone surrogate', 'x\ud800'], ['bytes', new Uint8Array([1])], ['a bigint', 12n],
    ['an object', { a: 1 }], ['an invalid date', new Date(Number.NaN)], ['year 10000', new Date(253_402_300_800_000)], ['a number in a text column', 5]];
  for (const [what, value] of cases) {
    const encoder = new CopyEncoder();
    assert.ok(encoder.add([{ id: 1, v: 'text' }]), 'a plain batch is staged as text');
    assert.equal(encoder.add([{ id: 2, v: value }]), undefined, what);
    assert.ok(Buffer.concat(encoder.chunks).equals(Buffer.from(copyLines([{ id: 1, v: 'text' }, { id: 2, v: value }], ['id', 'v']))), what);
  }
  // a column that appears after the first batch spoils the encoder; in the first batch it is a column
  const grown = new CopyEncoder();
  assert.equal(grown.add([{ a: 1 }, { a: 2, b: 'x' }]), undefined, 'rows of different fields are staged as rows');
  assert.deepEqual([...grown.types()], [['a', 'bigint'], ['b', 'text']]);
  assert.equal(grown.add([{ a: 3, c: true }]), undefined);
  assert.equal(grown.spoiled, true);
  assert.deepEqual(grown.chunks, []);
});

test('numbers are written as String(v) writes them', () => {
  const rand = random(5);
  const out = new CopyBytes(16);
  const check = (v: number): void => {
    out.at = 0;
    out.number(v);
    const want = Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
    assert.equal(out.buf.toString('latin1', 0, out.at), want, String(v));
  };
  for (const v of [0, -0, 1, -1, 9, 10, 99, 100, 0.01, -0.01, 0.1, 0.07, 1.005, 12.99, 38.97, 22, 2147483647, -2147483648, 2147483648, 21474836.47, -21474836.47, 21474836.48, 1e21, 1e-7, Number.NaN, Infinity, -Infinity, 5e-324, 0.30000000000000004]) check(v);
  for (let i = 0; i < 200_000; i++) {
    check(Math.round((rand() - 0.5) * 10 ** Math.floor(rand() * 12)) / 100);
    check(Math.round((rand() - 0.5) * 10 ** Math.floor(rand() * 10)) / 10);
    check((rand() - 0.5) * 10 ** Math.floor(rand() * 30 - 10));
  }
});

test('strings are written as Buffer.from writes copyText of them; exact unless a surrogate is alone', () => {
  const rand = random(17);
  const out = new CopyBytes(4);
  for (let i = 0; i < 100_000; i++) {
    const s = text(rand, i % 2 === 0);
    out.at = 0;
    const exact = out.text(s);
    assert.ok(out.buf.subarray(0, out.at).equals(Buffer.from(copyLines([{ s }], ['s']).slice(0, -1))), JSON.stringify(s));
    assert.equal(exact, Buffer.from(s).toString() === s, JSON.stringify(s));
  }
});

test('decodeCopy refuses text that is not its columns', () => {
  const bytes = Buffer.from('1\tx\n2\ty\n');
  assert.deepStrictEqual(decodeCopy(bytes, ['id', 'v'], ['bigint', 'text'], 2), [{ id: 1, v: 'x' }, { id: 2, v: 'y' }]);
  assert.throws(() => decodeCopy(bytes, ['id', 'v'], ['bigint', 'text'], 3), /2 lines instead of 3/);
  assert.throws(() => decodeCopy(bytes, ['id'], ['bigint'], 2), /does not have 1 fields/);
  assert.throws(() => decodeCopy(Buffer.from('1\tx'), ['id', 'v'], ['bigint', 'text'], 1), /does not have 2 fields/);
  assert.throws(() => decodeCopy(bytes, ['id', 'v'], ['boolean', 'text'], 2), /not a boolean value of column id/);
  assert.throws(() => decodeCopy(Buffer.from('a\\qb\n'), ['v'], ['text'], 1), /not a text value/);
  assert.throws(() => decodeCopy(bytes, ['id', 'v'], ['bigint', 'jsonb'], 2), /cannot be read back/);
  assert.throws(() => copyCodec.decode({ names: ['a'] }, bytes, 2), /does not name its columns/);
});
