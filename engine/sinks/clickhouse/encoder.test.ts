// The TabSeparated text of appends: the same column types as inferColumns, fields as JSONEachRow would
// carry them, and a fallback (spoiled / no fit) wherever the text could mean something else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { TsvEncoder } from './encoder.ts';
import { inferColumns } from './sql.ts';

test('fields, types and the batch column', () => {
  const rows: Row[] = [
    { id: 1, name: 'tab\there\nnl\\ \r\0', ok: true, amount: null, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), tags: ['a', { b: 1 }], raw: new Uint8Array([1, 2]) },
    { id: 2, name: 'plain', ok: false, amount: Number.NaN, at: null, tags: null, raw: null },
    { id: 3, name: 7, ok: true, amount: 2.5, at: new Date(Date.UTC(2026, 0, 2)), tags: 'text', raw: null },
  ];
  const encoder = new TsvEncoder();
  encoder.add(rows.slice(0, 1));
  encoder.add(rows.slice(1));
  assert.deepEqual(encoder.types(), inferColumns(rows));
  assert.equal(encoder.body('p/n/3'), [
    '1\ttab\\there\\nnl\\\\ \\r\\0\t1\t\\N\t2026-01-02 03:04:05\t["a",{"b":1}]\tAQI=\tp/n/3\n',
    '2\tplain\t0\t\\N\t\\N\t\\N\t\\N\tp/n/3\n',
    '3\t7\t1\t2.5\t2026-01-02 00:00:00\ttext\t\\N\tp/n/3\n',
  ].join(''));
  const created = new Map([...encoder.types()].map(([name, type]) => [name, `Nullable(${type})`]));
  assert.deepEqual(encoder.fits(created), ['id', 'name', 'ok', 'amount', 'at', 'tags', 'raw']);
  assert.equal(encoder.fits(new Map([...created, ['at', 'Nullable(String)']])), null, 'a Date is written differently into a String column');
  assert.equal(encoder.fits(new Map([...created, ['id', 'Int64']])), null, 'not Nullable: \\N would not be a null');
  assert.deepEqual(encoder.fits(new Map([...created, ['amount', 'Nullable(Int64)']])), ['id', 'name', 'ok', 'amount', 'at', 'tags', 'raw'], 'numbers are numbers');
});

test('values the text cannot carry as JSONEachRow would, and new columns, spoil it', () => {
  for (const batches of [
    [[{ n: 1 }], [{ n: 'one' }]],
    [[{ at: new Date(0) }], [{ at: '1970-01-01' }]],
    [[{ n: 1n }]],
    [[{ a: 1 }], [{ a: 2, b: 3 }]],
  ] as Row[][][]) {
    const encoder = new TsvEncoder();
    for (const batch of batches) encoder.add(batch);
    assert.equal(encoder.spoiled, true, JSON.stringify(batches, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
    assert.equal(encoder.fits(new Map()), null);
  }
});
