// The RowBinary staged for append batches reads back as exactly the input rows: random batches over every
// kind of value (unicode, escapes, lone surrogates, nulls, missing keys, -0, NaN, big numbers, Dates with
// milliseconds, bytes, objects); a batch is staged as bytes exactly when a predicate computed here from the
// input alone says the bytes can carry it; and through a real staging file (staging.ts) the rows come back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Row } from '../../runtime/types.ts';
import { Staging } from '../staging.ts';
import { CODEC_NAME, combineLayouts, decodeRowBinary, parseMeta, rowBinaryCodec } from './codec.ts';
import { RowBinaryEncoder } from './encoder.ts';

type Kind = 'String' | 'Float64' | 'UInt8' | 'DateTime';

function randomBatches(seed: number, batches: number): Row[][] {
  let s = seed;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const pieces = ['plain', 'ünïcødé', '✓', '😀', '\\', '\\N', '\t', '\n', '\r', '\0', "'", '"', ' ', '', 'x'.repeat(50), 'ж'.repeat(70)];
  const text = (): string => {
    const t = Array.from({ length: Math.floor(random() * 6) }, () => pick(pieces)).join('');
    return random() < 0.001 ? t + '\ud800' : random() < 0.0005 ? 'y'.repeat(300) + '\udc00' : t;
  };
  const out: Row[][] = [];
  let i = 0;
  for (let b = 0; b < batches; b++) {
    const size = 1 + Math.floor(random() * 60);
    const rare = random() < 0.3; // a batch with rarer values (each makes it inexact)
    out.push(Array.from({ length: size }, () => {
      const nul = (): boolean => random() < 0.15;
      const row: Row = {
        i: i++,
        s: nul() ? null : random() < 0.01 ? 'z'.repeat(20_000) : text(),
        n: nul() ? null : pick([random() * 1e6 - 5e5, -0, 0.1 + 0.2, 2 ** 53, -(2 ** 62), 2 ** 64, 1e300, 5e-324, Math.floor(random() * 1e15)]),
        b: nul() ? null : random() < 0.5,
        d: nul() ? null : new Date(Math.floor(random() * 4e12)),
        late: i < 200 ? null : nul() ? null : text(),
      };
      if (rare && random() < 0.1) {
        const r = pick([0, 1, 2, 3, 4, 5, 6]);
        if (r === 0) row.n = Number.NaN;
        else if (r === 1) row.n = Infinity;
        else if (r === 2) delete row.b;
        else if (r === 3) row.s = 42;
        else if (r === 4) row.s = new Uint8Array([1, 2, 3]);
        else if (r === 5) row.s = { a: [1, 'x'] };
        else row.n = true;
      }
      return row;
    }));
  }
  return out;
}

/** The kind a column takes from its first non-null value (what the table is created with). */
function kindOf(value: unknown): Kind {
  if (typeof value === 'number') return 'Float64';
  if (typeof value === 'boolean') return 'UInt8';
  if (value instanceof Date) return 'DateTime';
  return 'String';
}

/** Can RowBinary of these column kinds give every row back exactly? (from the input alone) */
function exactly(batch: readonly Row[], names: readonly string[], kinds: Map<string, Kind>): boolean {
  for (const row of batch) {
    if (Object.keys(row).length !== names.length) return false;
    for (const name of names) {
      if (!(name in row)) return false;
      const v = row[name];
      if (v === null) continue;
      const kind = kinds.get(name);
      if (kind === 'String' && (typeof v !== 'string' || Buffer.from(v).toString() !== v)) return false;
      if (kind === 'Float64' && (typeof v !== 'number' || !Number.isFinite(v))) return false;
      if (kind === 'UInt8' && typeof v !== 'boolean') return false;
      if (kind === 'DateTime' && !(v instanceof Date)) return false;
    }
  }
  return true;
}

test('random batches: staged RowBinary decodes to exactly the input rows, and only exact batches are staged as bytes', () => {
  let staged = 0;
  let inexact = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const encoder = new RowBinaryEncoder();
    const kinds = new Map<string, Kind>();
    const names = ['i', 's', 'n', 'b', 'd', 'late'];
    const all: { meta: unknown; bytes: Buffer; rows: number }[] = [];
    for (const batch of randomBatches(seed, 40)) {
      for (const row of batch) for (const name of names) if (!kinds.has(name) && row[name] !== null && row[name] !== undefined) kinds.set(name, kindOf(row[name]));
      const want = exactly(batch, names, kinds);
      const got = encoder.add(batch);
      if (encoder.spoiled) break; // a value of another kind in a typed column: the commit uses the staged rows
      assert.equal(got !== undefined, want, `seed ${seed}: staged as bytes ${got !== undefined}, exact ${want}`);
      if (!got) {
        inexact++;
        continue;
      }
      staged++;
      all.push(got);
      // the bytes are a copy-free view of what was written: read them back now and after more batches
      assert.deepStrictEqual(decodeRowBinary(got.meta, got.bytes, got.rows), batch);
      assert.deepStrictEqual(decodeRowBinary(JSON.parse(JSON.stringify(got.meta)), got.bytes, got.rows), batch);
    }
    // everything staged as bytes is the encoder's stream, batch after batch
    const layout = combineLayouts(all.map((r) => parseMeta(r.meta)));
    if (all.length > 0) assert.ok(layout);
  }
  assert.ok(staged > 300 && inexact > 20, `both paths exercised: ${staged} staged, ${inexact} inexact`);
});

test('corrupt or short bytes are refused with ENG_CLICKHOUSE_STAGED, never read as other rows', () => {
  const encoder = new RowBinaryEncoder();
  const rows: Row[] = [{ a: 'x', n: 1.5, d: new Date(1_700_000_000_123) }, { a: 'ü', n: null, d: null }];
  const got = encoder.add(rows);
  assert.ok(got);
  assert.deepStrictEqual(decodeRowBinary(got.meta, got.bytes, 2), rows);
  assert.throws(() => decodeRowBinary(got.meta, got.bytes.subarray(0, got.bytes.length - 1), 2), { code: 'ENG_CLICKHOUSE_STAGED' });
  assert.throws(() => decodeRowBinary(got.meta, Buffer.concat([got.bytes, Buffer.from([1])]), 2), { code: 'ENG_CLICKHOUSE_STAGED' });
  assert.throws(() => decodeRowBinary(got.meta, got.bytes, 3), { code: 'ENG_CLICKHOUSE_STAGED' });
  assert.throws(() => decodeRowBinary({ ...(got.meta as object), kinds: ['Text', 'Float64', 'DateTime'] }, got.bytes, 2), { code: 'ENG_CLICKHOUSE_STAGED' });
  assert.throws(() => decodeRowBinary({ ...(got.meta as object), ms: {} }, got.bytes, 2), { code: 'ENG_CLICKHOUSE_STAGED' });
});

test('a staging file of RowBinary records reads back as the rows; a batch that is not exact is staged as rows beside them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-chcodec-'));
  try {
    const staging = new Staging(dir, 'p', 'n', rowBinaryCodec);
    const encoder = new RowBinaryEncoder();
    const batches = randomBatches(7, 30);
    const input: Row[] = [];
    let encodedBatches = 0;
    for (const batch of batches) {
      const got = encoder.add(batch);
      if (encoder.spoiled) break;
      if (got) encodedBatches++;
      input.push(...batch);
      await staging.append({ rows: batch }, got);
    }
    const ref = await staging.seal(1);
    assert.ok(ref);
    const file = readFileSync(ref.file);
    assert.equal(file.subarray(0, 8).toString(), 'SLSTAGE2');
    assert.ok(file.includes(Buffer.from(`"codec":"${CODEC_NAME}"`)), 'RowBinary records in the file');
    assert.ok(encodedBatches > 5 && encodedBatches < input.length, `${encodedBatches} of ${batches.length} batches as bytes`);
    const fresh = new Staging(dir, 'p', 'n', rowBinaryCodec);
    const [segment] = await fresh.read([ref], 'n');
    assert.deepStrictEqual(segment?.rows, input);
    assert.equal(await fresh.readEncoded(ref, 'n'), null, 'rows records too: not sent as bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
