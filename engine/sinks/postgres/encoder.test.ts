// The COPY text built batch by batch is exactly what the commit builds from all the rows at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { CopyEncoder } from './encoder.ts';
import { copyLines, inferColumns } from './sql.ts';

test('batch by batch equals all at once; a column that appears later spoils it', () => {
  const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({
    id: i, price: i % 4 === 0 ? 2 : i + 0.5, text: i % 3 ? `a\tb\\c\n${i}` : null, later: i < 20 ? null : 'x', at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), raw: new Uint8Array([i]), obj: { i },
  }));
  const encoder = new CopyEncoder();
  for (let i = 0; i < rows.length; i += 7) encoder.add(rows.slice(i, i + 7));
  const columns = inferColumns(rows);
  assert.deepEqual(encoder.types(), columns);
  assert.equal(encoder.types().get('price'), 'double precision');
  assert.equal(Buffer.concat(encoder.chunks).toString(), copyLines(rows, [...columns.keys()]));
  assert.equal(encoder.rows, 50);

  const grown = new CopyEncoder();
  grown.add([{ a: 1 }]);
  grown.add([{ a: 2, b: 3 }]);
  assert.equal(grown.spoiled, true);
  assert.deepEqual(grown.chunks, []);
});
