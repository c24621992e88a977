// ColumnFold (cql.ts) against the column inference the sink used before (all rows of a commit at once,
// copied below as it was), on random rows whose fields change type from row to row, folded in random
// batches as the sink folds appends while they arrive. Without a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { ColumnFold, cqlTypeOf } from './cql.ts';
import { randomFloats } from '../../testing/random.ts';

function oldInferColumns(rows: readonly Row[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      const type = cqlTypeOf(value);
      const had = out.get(name);
      if (had === undefined || had === 'null') out.set(name, type ?? 'null');
      else if (had === 'bigint' && type === 'double') out.set(name, type);
    }
  }
  for (const [name, type] of out) if (type === 'null') out.set(name, 'text');
  return out;
}

test('columns folded batch by batch equal the old inference over all rows at once', () => {
  const r = randomFloats(11);
  const kinds = [() => Math.floor(r() * 100), () => r() * 100, () => null, () => undefined, () => 'text', () => true, () => new Date(Math.floor(r() * 1e12)), () => 10n ** 20n, () => Uint8Array.of(1, 2), () => ({ nested: 1 }), () => [1, 2.5]];
  for (let round = 0; round < 500; round++) {
    // a few kinds a round, so each sequence of kinds (null, then a whole number, then a fraction) comes up
    const some = kinds.filter(() => r() < 0.3);
    const use = some.length > 0 ? some : kinds;
    const rows = Array.from({ length: 1 + Math.floor(r() * 40) }, () => Object.fromEntries(['a', 'b', 'c', 'd', 'e'].filter(() => r() < 0.7).map((f) => [f, (use[Math.floor(r() * use.length)] as () => unknown)()])) as Row);
    const fold = new ColumnFold();
    for (let at = 0, n = 1; at < rows.length; at += n, n = 1 + Math.floor(r() * 6)) fold.add(rows.slice(at, at + n));
    assert.deepStrictEqual([...fold.columns], [...oldInferColumns(rows)], `round ${round}`);
    assert.equal(fold.rows, rows.length);
  }
});
