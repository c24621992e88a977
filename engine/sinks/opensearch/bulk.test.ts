// The bulk bodies built as the staged rows are read back (bulk.ts) against the way the sink built them
// before (every row of the interval in memory, then `actionsOf` and `chunk`, copied below as they were),
// on random rows (unicode, escapes, lone surrogates, nulls, big numbers, bigints, dates, bytes, nested
// values, missing fields) staged in random batches over several segments: the same ids, the same
// documents, the same chunks, the same refused rows and the same mapping. Without a server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { compileExpression, type CompiledExpression } from '../../expr/expression.ts';
import type { Row } from '../../runtime/types.ts';
import { RowGauge } from '../held.ts';
import type { Segment } from '../pending.ts';
import { Staging, type StagedRef } from '../staging.ts';
import { appendChunks, appendIds, chunksOf, DocumentFold, oneAhead, type Action, type Chunk } from './bulk.ts';
import { documentJson, expressionId, keyId, mappingOf, type FieldMapping } from './mapping.ts';
import { randomFloats } from '../../testing/random.ts';
import { shortPositionId } from './testing.ts';

const home = mkdtempSync(path.join(tmpdir(), 'streamlake-osbulk-'));
after(() => rmSync(home, { recursive: true, force: true }));

const texts = ['', 'plain', 'Zürich ✓', '日本語', 'quote " and \\ backslash', 'line\nbreak\ttab', '\u0000\u001f', '\ud800 lone', 'emoji 😀', '{"json":1}'];

function value(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 1 ? 9 : 12));
  switch (pick) {
    case 0: return null;
    case 1: return texts[Math.floor(r() * texts.length)];
    case 2: return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
    case 3: return (r() - 0.5) * 1e6;
    case 4: return r() < 0.5;
    case 5: return new Date(Date.UTC(1900 + Math.floor(r() * 300), 0, 1) + Math.floor(r() * 1e10));
    case 6: return BigInt(Math.floor(r() * 1e9)) * 10n ** BigInt(Math.floor(r() * 12));
    case 7: return Uint8Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * 256));
    case 8: return -0;
    case 9: return { nested: value(r, depth + 1), list: [value(r, depth + 1)] };
    case 10: return [value(r, depth + 1), value(r, depth + 1)];
    default: return `${texts[Math.floor(r() * texts.length)]}-${Math.floor(r() * 1000)}`;
  }
}

function randomRow(r: () => number, n: number): Row {
  const row: Row = {};
  const fields = ['id', 'name', 'amount', 'at', 'tags', 'flag', 'blob', 'extra'];
  for (const f of fields) if (r() < 0.85) row[f] = f === 'id' && r() < 0.9 ? `k${Math.floor(r() * n)}` : value(r);
  return row;
}

/** Stages rows in random batches over `segments` checkpoints; returns the refs. */
async function stage(r: () => number, node: string, rows: Row[], segments: number): Promise<{ staging: Staging; refs: StagedRef[] }> {
  const staging = new Staging(home, 'bulk', node);
  const refs: StagedRef[] = [];
  let at = 0;
  for (let s = 1; s <= segments; s++) {
    const end = s === segments ? rows.length : Math.min(rows.length, at + Math.floor(rows.length / segments));
    while (at < end) {
      const n = Math.min(end - at, 1 + Math.floor(r() * 300));
      await staging.append({ rows: rows.slice(at, at + n) });
      at += n;
    }
    const ref = await staging.seal(s * 10);
    if (ref) refs.push(ref);
  }
  return { staging, refs };
}

// ---- the sink's path before this change (opensearch/sink.ts at 9c35792), copied as it was ----

const CHUNK_ACTIONS = 5000;
const CHUNK_BYTES = 8 * 1024 * 1024;

function oldActionsOf(segments: readonly Segment[], pipeline: string, node: string, idExpr: CompiledExpression | undefined, idText: string | undefined, rejected: { reason: string; payload: Row }[]): { actions: Action[]; rows: Row[] } {
  const actions: Action[] = [];
  const rows: Row[] = [];
  for (const s of segments) {
    s.rows.forEach((row, i) => {
      let id: string | null;
      if (!idExpr) id = shortPositionId(pipeline, node, s.id, i);
      else {
        try {
          id = expressionId(idExpr.evaluate(row));
        } catch (error) {
          rejected.push({ reason: `the document id expression "${idText}" failed: ${(error as Error).message}`, payload: row });
          return;
        }
        if (id === null) {
          rejected.push({ reason: `the document id expression "${idText}" gave no value (null or empty) for this row`, payload: row });
          return;
        }
      }
      actions.push({ id, row });
      rows.push(row);
    });
  }
  return { actions, rows };
}

function* oldChunk(actions: readonly Action[], index: string, limit = CHUNK_ACTIONS, limitBytes = CHUNK_BYTES): Generator<{ actions: Action[]; body: string }> {
  const target = `"_index":${JSON.stringify(index)}`;
  let current: Action[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const action of actions) {
    const line = action.row
      ? `{"index":{${target},"_id":${JSON.stringify(action.id)}}}\n${oldDocumentJson(action.row)}\n`
      : `{"delete":{${target},"_id":${JSON.stringify(action.id)}}}\n`;
    current.push(action);
    parts.push(line);
    bytes += line.length;
    if (current.length >= limit || bytes >= limitBytes) {
      yield { actions: current, body: parts.join('') };
      current = [];
      parts = [];
      bytes = 0;
    }
  }
  if (current.length > 0) yield { actions: current, body: parts.join('') };
}

function oldInferMappings(rows: readonly Row[]): Map<string, FieldMapping> {
  const out = new Map<string, FieldMapping>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      const m = mappingOf(value);
      if (!m) continue;
      const had = out.get(name);
      if (!had || (had.type === 'long' && m.type === 'double')) out.set(name, m);
    }
  }
  return out;
}

/** documentJson before the fast path for plain rows. */
function oldDocumentJson(row: Row): string {
  return JSON.stringify(row, function (this: unknown, key: string, value: unknown): unknown {
    const original = (this as Record<string, unknown>)[key];
    if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64');
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    return value;
  });
}

// ----

const shape = (chunks: Chunk[]): { ids: string[]; body: string }[] => chunks.map((c) => ({ ids: c.actions.map((a) => a.id), body: c.body }));

for (const [label, idText] of [['positional ids', undefined], ['an id expression (null and failing ids refused)', "CASE WHEN flag = true THEN 1 / 0 ELSE id END"]] as const) {
  test(`appends with ${label}: the streamed chunks, ids, documents, refused rows and mapping equal the old path's on random rows`, async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = randomFloats(seed * 7919 + (idText ? 1 : 0));
      const count = 1500 + Math.floor(r() * 1500);
      const rows = Array.from({ length: count }, () => randomRow(r, count / 2));
      const node = `n${seed}-${idText ? 'x' : 'p'}`;
      const { staging, refs } = await stage(r, node, rows, 1 + (seed % 3));
      const compiled = idText ? compileExpression(idText) : undefined;
      const limits = { actions: 1 + Math.floor(r() * 400), bytes: seed === 4 ? 2000 : CHUNK_BYTES };

      const segments = await staging.read(refs, node);
      const oldRejected: { reason: string; payload: Row }[] = [];
      const old = oldActionsOf(segments, 'bulk', node, compiled, idText, oldRejected);
      const oldChunks = [...oldChunk(old.actions, 'orders-ü', limits.actions, limits.bytes)];

      const newRejected: { reason: string; payload: Row }[] = [];
      const gauge = new RowGauge();
      const ids = appendIds('bulk', node, compiled && idText ? { compiled, text: idText } : undefined);
      const streamed: Chunk[] = [];
      for await (const c of appendChunks(staging.parts(refs, node), ids, (row, reason) => newRejected.push({ reason, payload: row }), 'orders-ü', limits, gauge)) {
        streamed.push(c);
        gauge.drop(c.actions.length);
      }
      assert.ok(old.actions.length > 0);
      assert.deepStrictEqual(shape(streamed), shape(oldChunks), `seed ${seed}: the same chunks, ids and documents`);
      assert.deepStrictEqual(newRejected, oldRejected, `seed ${seed}: the same refused rows and reasons`);
      if (idText) assert.ok(oldRejected.some((x) => /failed/.test(x.reason)) && oldRejected.some((x) => /gave no value/.test(x.reason)), 'both kinds of refusal occur');
      assert.ok(gauge.peak <= limits.actions, `seed ${seed}: at most one chunk held (${gauge.peak} of ${limits.actions})`);

      // the mapping: folded batch by batch as rows arrive (or as a restore surveys them) = the old one over the rows with ids
      const fold = new DocumentFold((row) => typeof ids(row, 0, 0) === 'string');
      for await (const part of staging.parts(refs, node)) fold.add(part.rows);
      assert.deepStrictEqual([...fold.mapping.fields], [...oldInferMappings(old.rows)], `seed ${seed}: the same mapping`);
      assert.equal(fold.any, old.rows.length > 0);
    }
  });
}

test('mapping and documents of rows whose fields change type from row to row (numbers, then fractions, texts, arrays, nulls) equal the old ones', () => {
  const r = randomFloats(5);
  const kinds = [() => Math.floor(r() * 100), () => r() * 100, () => null, () => 'text', () => [Math.floor(r() * 9), r()], () => [r()], () => new Date(Math.floor(r() * 1e12)), () => 10n ** 20n, () => Number.NaN, () => -0];
  for (let round = 0; round < 300; round++) {
    // two or three kinds a round, so each sequence of kinds (a long, then an array of fractions) comes up
    const some = kinds.filter(() => r() < 0.3);
    const use = some.length > 0 ? some : kinds;
    const rows = Array.from({ length: 1 + Math.floor(r() * 30) }, () => Object.fromEntries(['a', 'b', 'c', 'd'].filter(() => r() < 0.8).map((f) => [f, (use[Math.floor(r() * use.length)] as () => unknown)()])) as Row);
    const fold = new DocumentFold(() => true);
    for (let at = 0, n = 1; at < rows.length; at += n, n = 1 + Math.floor(r() * 5)) fold.add(rows.slice(at, at + n));
    assert.deepStrictEqual([...fold.mapping.fields], [...oldInferMappings(rows)], `round ${round}: folded in batches`);
    // some rows without an id: the mapping is the old one over the others, though not every row is asked
    const refused = new Set(rows.filter(() => r() < 0.3));
    const partial = new DocumentFold((row) => !refused.has(row));
    for (let at = 0, n = 1; at < rows.length; at += n, n = 1 + Math.floor(r() * 5)) partial.add(rows.slice(at, at + n));
    const kept = rows.filter((row) => !refused.has(row));
    assert.deepStrictEqual([...partial.mapping.fields], [...oldInferMappings(kept)], `round ${round}: rows with ids folded`);
    assert.equal(partial.any, kept.length > 0);
    for (const row of rows) assert.equal(documentJson(row), oldDocumentJson(row));
  }
});

test('an id expression is evaluated on arrival only for rows that change the mapping (the commit evaluates it again)', () => {
  const ids = appendIds('p', 'n', { compiled: compileExpression('order_id'), text: 'order_id' });
  let asked = 0;
  const fold = new DocumentFold((row) => {
    asked++;
    return typeof ids(row, 0, 0) === 'string';
  });
  const rows: Row[] = Array.from({ length: 1000 }, (_, i) => ({ order_id: i % 100 === 0 ? null : `o-${i}`, qty: i, ...(i === 501 ? { note: 'new field' } : {}), ...(i === 701 ? { qty: 0.5 } : {}) }));
  for (let at = 0; at < rows.length; at += 64) fold.add(rows.slice(at, at + 64));
  // row 0 has no id, row 1 has; then only row 501 (a new field) and row 701 (qty becomes double)
  assert.equal(asked, 4);
  assert.deepStrictEqual([...fold.mapping.fields.keys()], ['order_id', 'qty', 'note']);
  assert.equal(fold.mapping.fields.get('qty')?.type, 'double');
});

test('keyed actions: chunksOf gives the old chunks (deletes and rows under their key ids)', () => {
  const r = randomFloats(99);
  const rows = Array.from({ length: 3000 }, (_, i) => ({ ...randomRow(r, 100), id: `k${i}` }));
  const actions: Action[] = [...rows.slice(0, 40).map((row) => ({ id: keyId(row, ['id']) })), ...rows.map((row) => ({ id: keyId(row, ['id', 'at']), row }))];
  for (const limits of [{ actions: 5000, bytes: CHUNK_BYTES }, { actions: 7, bytes: CHUNK_BYTES }, { actions: 5000, bytes: 3000 }]) {
    assert.deepStrictEqual(shape([...chunksOf(actions, 'idx', limits)]), shape([...oldChunk(actions, 'idx', limits.actions, limits.bytes)]));
  }
});

test('oneAhead makes the next item as soon as one is taken, never more; a failure reaches the taker; close ends the source', async () => {
  let made = 0;
  let closed = false;
  async function* items(fail: number | null): AsyncGenerator<number> {
    try {
      for (let i = 0; i < 10; i++) {
        if (i === fail) throw new Error(`item ${i} failed`);
        made++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  const queue = oneAhead(items(null));
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  await tick();
  assert.equal(made, 1, 'the first is made before anyone asks');
  const taken: number[] = [];
  for (let i = 0; i < 4; i++) {
    const next = await queue.next();
    taken.push(next.value as number);
    await tick();
    assert.equal(made, taken.length + 1, 'exactly one ahead of what was taken');
  }
  await queue.close();
  assert.equal(closed, true);
  assert.deepEqual(taken, [0, 1, 2, 3]);

  const failing = oneAhead(items(2));
  assert.equal((await failing.next()).value, 0);
  assert.equal((await failing.next()).value, 1);
  await assert.rejects(failing.next(), /item 2 failed/);
  await failing.close();
});
