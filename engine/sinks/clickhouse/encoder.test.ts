// The RowBinary of appends: the same column types as inferColumns, the bytes RowBinary defines, a fallback
// (spoiled / no plan) wherever the binary could mean something else than JSONEachRow, and a round trip of
// random rows through a real ClickHouse (streamed stage, then moved) compared with values computed here
// from the input, and with the same rows written through the JSONEachRow path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import type { NodeContext, Row } from '../../runtime/types.ts';
import { decodeRowBinary } from './codec.ts';
import { RowBinaryEncoder, type OpenStage } from './encoder.ts';
import { ReferenceEncoder } from './reference.ts';
import { StageStream } from './stage.ts';
import { clickhouse, clickhouseJson } from './http.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';
import { ClickHouseSink } from './sink.ts';
import { inferColumns } from './sql.ts';

test('types, plan and the bytes RowBinary defines', () => {
  const rows: Row[] = [
    { id: 1, name: 'tab\there', ok: true, amount: null, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), tags: ['a', { b: 1 }], raw: new Uint8Array([1, 2]) },
    { id: 2, name: 'ü', ok: false, amount: Number.NaN, at: null, tags: null, raw: null },
    { id: 3, name: 7, ok: true, amount: 2.5, at: new Date(Date.UTC(2026, 0, 2)), tags: 'text' },
  ];
  const encoder = new RowBinaryEncoder();
  encoder.add(rows.slice(0, 1));
  encoder.add(rows.slice(1));
  assert.equal(encoder.spoiled, false);
  assert.deepEqual(encoder.types(), inferColumns(rows));
  const f64 = (n: number): number[] => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return [...b]; };
  const u32 = (n: number): number[] => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return [...b]; };
  const str = (s: string): number[] => { const b = Buffer.from(s); return [0, b.length, ...b]; };
  const at = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
  assert.deepEqual([...encoder.bytes()], [
    0, ...f64(1), ...str('tab\there'), 0, 1, 1, 0, ...u32(at), ...str('["a",{"b":1}]'), ...str('AQI='),
    0, ...f64(2), ...str('ü'), 0, 0, 1, 1, 1, 1,
    0, ...f64(3), ...str('7'), 0, 1, 0, ...f64(2.5), 0, ...u32(Date.UTC(2026, 0, 2) / 1000), ...str('text'), 1,
  ]);
  const created = new Map([...encoder.types()].map(([name, type]) => [name, `Nullable(${type})`]));
  assert.deepEqual(encoder.plan(created), {
    columns: ['id', 'name', 'ok', 'amount', 'at', 'tags', 'raw'],
    select: ['CAST(`id` AS Nullable(Int64))', '`name`', '`ok`', '`amount`', '`at`', '`tags`', '`raw`'],
  });
  assert.equal(encoder.plan(new Map([...created, ['at', 'Nullable(String)']])), null, 'a Date is written differently into a String column');
  assert.equal(encoder.plan(new Map([...created, ['at', 'Nullable(DateTime)']])), null, 'DateTime without a zone reads text in the server zone');
  assert.equal(encoder.plan(new Map([...created, ['id', 'Int64']])), null, 'not Nullable');
  assert.equal(encoder.plan(new Map([...created, ['amount', 'Nullable(Int64)']])), null, 'fractions into Int64');
});

test('long strings get a multi-byte length; whole numbers past 2^63 are not cast to Int64', () => {
  const long = 'é'.repeat(100_000);
  const encoder = new RowBinaryEncoder();
  encoder.add([{ s: long, n: 2 ** 63 }]);
  const bytes = encoder.bytes();
  // 200,000 bytes as LEB128: 0xc0 0x9a 0x0c
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0xc0, 0x9a, 0x0c]);
  assert.equal(bytes.subarray(4, 4 + 200_000).toString('utf8'), long);
  assert.deepEqual(encoder.types(), new Map([['s', 'String'], ['n', 'Int64']]));
  assert.equal(encoder.plan(new Map([['s', 'Nullable(String)'], ['n', 'Nullable(Int64)']])), null);
  assert.notEqual(encoder.plan(new Map([['s', 'Nullable(String)'], ['n', 'Nullable(Float64)']])), null);
});

test('values the binary cannot carry as JSONEachRow would, and new columns, spoil it', () => {
  for (const batches of [
    [[{ n: 1 }], [{ n: 'one' }]],
    [[{ at: new Date(0) }], [{ at: '1970-01-01' }]],
    [[{ at: new Date(Date.UTC(1969, 11, 31)) }]],
    [[{ at: new Date(Date.UTC(2200, 0, 1)) }]],
    [[{ ok: true }], [{ ok: 1 }]],
    [[{ n: 1 }], [{ n: 1n }]],
    [[{ a: 1 }], [{ a: 2, b: 3 }]],
    [[{ a: 1, b: 2 }], [{ a: 2, c: 3 }]],
    [[{ a: 1 }], [{ b: 3 }]],
  ] as Row[][][]) {
    const encoder = new RowBinaryEncoder();
    for (const batch of batches) encoder.add(batch);
    assert.equal(encoder.spoiled, true, JSON.stringify(batches, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
    assert.equal(encoder.plan(new Map()), null);
  }
  const fine = new RowBinaryEncoder();
  fine.add([{ a: 1, b: null }]);
  fine.add([{ a: 2 }, { b: 'x' }, {}]);
  assert.equal(fine.spoiled, false, 'missing columns are nulls');
  assert.equal(fine.rows, 4);
});

test('a column only null for the first 10,000 rows opens the stage as String; a later value that is not text spoils it', async () => {
  for (const [value, spoiled] of [['text', false], [5, true]] as const) {
    const opened: string[] = [];
    const encoder = new RowBinaryEncoder((columns) => {
      opened.push(columns.map((c) => `${c.name} ${c.type}`).join(', '));
      return new StageStream(() => Promise.reject(new Error('no server here')), 'unused', columns);
    });
    encoder.add(Array.from({ length: 9_999 }, (_, i) => ({ a: i, b: null })));
    assert.deepEqual(opened, []);
    encoder.add([{ a: 1, b: null }]);
    assert.deepEqual(opened, ['a Nullable(Float64), b Nullable(String)']);
    encoder.add([{ a: 2, b: value }]);
    assert.equal(encoder.spoiled, spoiled, String(value));
    await encoder.discard();
  }
});

/** A stage that keeps what it is sent (the bytes are what this test compares, not a server's answer). */
function recordingStage(sent: Buffer[], opened: string[]): (columns: Parameters<OpenStage>[0], attach?: boolean) => StageStream {
  return (columns, attach = false) => {
    opened.push(columns.map((c) => `${c.name} ${c.type}`).join(', ') + (attach ? ' (attach)' : ''));
    const stage = { write: (chunk: Buffer) => void sent.push(Buffer.from(chunk)), drained: async () => {}, end: async () => true, drop: async () => {} };
    return stage as unknown as StageStream;
  };
}

/** Random batches of rows over every kind of value and layout the encoder distinguishes. */
function randomBatches(seed: number): Row[][] {
  let s = seed;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  // each kind of value that is not given back exactly (lone surrogates, NaN, missing keys, text of another
  // kind, a value of an odd kind) is in some seeds only, so every one of them decides some batches alone
  const [lone, missing, nan, objects, odd, late] = [0.5, 0.3, 0.3, 0.3, 0.3, 0.5].map((p) => random() < p);
  const pieces = ['plain', 'ünïcødé', '✓', '😀', '\ud83d', '\ude00', '\\', '\\N', '\t', '\n', '\r', '\0', "'", '"', ' ', '', 'x'.repeat(50), 'ж'.repeat(70), '\u007f', '\u0080', '\uffff'];
  const text = (): string => (random() < 0.005 ? 'y'.repeat(20_000) : Array.from({ length: Math.floor(random() * 6) }, () => pick(pieces)).join(''))
    .replace(!lone ? /[\ud800-\udfff]/g : /$^/, '');
  const numbers = [0, -0, 1, -1, 2.5, 0.1 + 0.2, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, -(2 ** 62), 1e300, 5e-324, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER];
  const number = (): number => (random() < 0.5 ? pick(nan ? numbers : numbers.filter(Number.isFinite)) : random() < 0.5 ? Math.floor(random() * 1e12) - 5e11 : random() * 1e6 - 5e5);
  const date = (): Date => (odd && random() < 0.02 ? pick([new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(2200, 0, 1)), new Date(Number.NaN), new Date(0)]) : new Date(Math.floor(random() * 4.2e12)));
  const bytes = (): Uint8Array => Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
  const oddValue = (): unknown => pick<() => unknown>([text, number, () => random() < 0.5, date, bytes, () => ({ a: text(), n: [1, -0, null] }), () => [text()], () => 12345678901234567890n])();
  // bytes and objects are text of another kind: never exact
  const makers: Record<string, () => unknown> = { text, number, boolean: () => random() < 0.5, date, ...(!objects ? {} : { bytes, object: () => ({ k: text(), d: new Date(1) }) }) };
  // a layout: columns and each one's usual kind; a rare value of another kind (or a new column) spoils
  const columns = Array.from({ length: 1 + Math.floor(random() * 10) }, (_, i) => ({ name: random() < 0.1 ? String(i) : `c${i}`, make: pick(Object.values(makers)) }));
  const other = odd ? 0.002 : 0;
  const nulls = random() * 0.3;
  // a column only null at first; past 10,000 rows the stage opens with it as String (unsure)
  const onlyNull = random() < 0.4 ? Math.floor(random() * columns.length) : -1;
  const batches: Row[][] = [];
  let total = 0;
  const wanted = random() < 0.3 ? 10_500 : 2_000;
  while (total < wanted) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 20 : 700));
    batches.push(Array.from({ length: size }, (_, r) => {
      const row: Row = {};
      const order = random() < 0.05 ? [...columns].reverse() : columns;
      for (const { name, make } of order) {
        const gone = random();
        if (missing && gone < 0.01) continue; // a missing key
        if (missing && gone < 0.015) { row[name] = undefined; continue; }
        row[name] = columns.indexOf(columns.find((c) => c.name === name) as never) === onlyNull && (!late || total + r < 10_200) ? null : random() < nulls ? null : random() < other ? oddValue() : make();
      }
      if (random() < other / 4) row.extra = 1;
      return row;
    }));
    total += size;
  }
  return batches;
}

test('the encoder writes the same bytes and makes the same decisions as the previous one, over random rows', () => {
  let spoiled = 0;
  let exact = 0;
  let opened = 0;
  for (let seed = 1; seed <= 160; seed++) {
    const batches = randomBatches(seed);
    const sent = [[], []] as Buffer[][];
    const stages = [[], []] as string[][];
    const encoder = new RowBinaryEncoder(recordingStage(sent[0] as Buffer[], stages[0] as string[]));
    const reference = new ReferenceEncoder(recordingStage(sent[1] as Buffer[], stages[1] as string[]));
    batches.forEach((batch, b) => {
      const got = encoder.add(batch);
      const want = reference.add(batch);
      const at = `seed ${seed} batch ${b}`;
      assert.deepEqual(got, want, at);
      if (want) exact++;
      assert.equal(encoder.spoiled, reference.spoiled, at);
      assert.equal(encoder.rows, reference.rows, at);
      assert.deepEqual(stages[0], stages[1], at);
    });
    if (reference.spoiled) spoiled++;
    else {
      assert.deepEqual(encoder.types(), reference.types(), `seed ${seed}`);
      const created = new Map([...reference.types()].map(([name, type]) => [name, `Nullable(${type})`]));
      assert.deepEqual(encoder.plan(created), reference.plan(created), `seed ${seed}`);
      encoder.seal();
      reference.seal();
    }
    if ((stages[1] as string[]).length > 0) opened++;
    assert.ok(Buffer.concat([...(sent[0] as Buffer[]), encoder.bytes()]).equals(Buffer.concat([...(sent[1] as Buffer[]), reference.bytes()])), `seed ${seed}: the bytes differ`);
  }
  // the random layouts reach every outcome
  assert.ok(spoiled > 10 && spoiled < 150 && exact > 100 && opened > 10, `spoiled ${spoiled}, exact batches ${exact}, stages opened ${opened}`);
});

test('a table of the types it writes: values written as the table holds them (whole numbers as Int64), the stage opened to be attached', () => {
  const target = new Map([['id', 'Nullable(Int64)'], ['big', 'Nullable(Int64)'], ['f', 'Nullable(Float64)'], ['s', 'Nullable(String)'], ['ok', 'Nullable(UInt8)'], ['at', "Nullable(DateTime('UTC'))"], ['other', 'Nullable(String)']]);
  const rows: Row[] = [
    { id: 1, big: 2 ** 62 + 2 ** 40, f: 3, s: 'x', ok: true, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) },
    { id: -1, big: -(2 ** 62), f: 2.5, s: 7, ok: null, at: null },
  ];
  const opened: string[] = [];
  const sent: Buffer[] = [];
  const encoder = new RowBinaryEncoder(recordingStage(sent, opened), () => target);
  const first = encoder.add(rows.slice(0, 1));
  const second = encoder.add(rows.slice(1));
  assert.equal(encoder.spoiled, false);
  assert.deepEqual(opened, ["id Nullable(Int64), big Nullable(Int64), f Nullable(Float64), s Nullable(String), ok Nullable(UInt8), at Nullable(DateTime('UTC')) (attach)"]);
  const i64 = (n: number): number[] => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); return [...b]; };
  const f64 = (n: number): number[] => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return [...b]; };
  const u32 = (n: number): number[] => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return [...b]; };
  assert.deepEqual([...encoder.bytes()], [
    0, ...i64(1), 0, ...i64(2 ** 62 + 2 ** 40), 0, ...f64(3), 0, 1, 120, 0, 1, 0, ...u32(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000),
    0, ...i64(-1), 0, ...i64(-(2 ** 62)), 0, ...f64(2.5), 0, 1, 55, 1, 1,
  ]);
  // the first batch reads back exactly (Int64 too); the second has a number written as text
  assert.ok(first);
  assert.deepStrictEqual(decodeRowBinary(first.meta, first.bytes, first.rows), rows.slice(0, 1));
  assert.equal(second, undefined);
  // the columns the commit's ensureTable gives (those of the rows; `other` gets its default)
  assert.deepEqual(encoder.plan(new Map([...target].filter(([name]) => name !== 'other'))), { columns: ['id', 'big', 'f', 's', 'ok', 'at'], select: ['`id`', '`big`', '`f`', '`s`', '`ok`', '`at`'] });
  assert.deepEqual(encoder.types().get('id'), 'Int64');

  // what an Int64 column cannot take as written gives up (the commit writes the staged rows); -0 and a
  // boolean are written (0, 1: what JSONEachRow carries) but are not staged as bytes
  for (const [value, spoiled] of [[2.5, true], [2 ** 63, true], [Number.NaN, true], ['1', true], [-0, false], [true, false]] as const) {
    const e = new RowBinaryEncoder(recordingStage([], []), () => target);
    assert.ok(e.add([{ id: 1 }]));
    const staged = e.add([{ id: value }]);
    assert.equal(e.spoiled, spoiled, String(value));
    if (!spoiled) assert.equal(staged, undefined, String(value));
  }
  // a column the table lacks, or holds as a type the encoder does not write: the interval is not attached
  for (const other of [new Map([['id', 'Nullable(Int64)']]), new Map([['id', 'Nullable(Int32)'], ['x', 'Nullable(String)']]), new Map([['id', 'Int64'], ['x', 'Nullable(String)']])]) {
    const names: string[] = [];
    const e = new RowBinaryEncoder(recordingStage([], names), () => other);
    e.add([{ id: 1, x: 'a' }]);
    assert.deepEqual(names, ['id Nullable(Float64), x Nullable(String)']);
  }
});

test('over random rows, an encoder given the table the rows made writes every value as that table holds it, and stages exactly what the input says', () => {
  let attached = 0;
  let staged = 0;
  let int64 = 0;
  // the random numbers are mostly fractions (Float64 columns); the same rows with whole numbers below 2^63
  // (-0 from truncation; NaN and infinities kept) make Int64 columns
  const whole = (v: number): number => (Math.abs(Math.trunc(v)) >= 2 ** 63 ? Math.sign(v) * 2 ** 62 : Math.trunc(v));
  const truncated = (batches: Row[][]): Row[][] => batches.map((batch) => batch.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? whole(v) : v]))));
  for (let run = 1; run <= 320; run++) {
    const seed = run > 160 ? run - 160 : run;
    const batches = run > 160 ? truncated(randomBatches(seed)) : randomBatches(seed);
    const reference = new ReferenceEncoder(recordingStage([], []));
    for (const batch of batches) reference.add(batch);
    if (reference.spoiled) continue;
    // the table the sink creates for these rows; Int64 columns with a value past 2^63 have no plan
    const created = new Map([...reference.types()].map(([name, type]) => [name, `Nullable(${type})`]));
    const usable = reference.plan(created) !== null;
    const opened: string[] = [];
    const encoder = new RowBinaryEncoder(recordingStage([], opened), () => created);
    batches.forEach((batch, b) => {
      const got = encoder.add(batch);
      if (!got) return;
      staged++;
      const back = decodeRowBinary(got.meta, got.bytes, got.rows);
      assert.deepStrictEqual(back, batch, `seed ${seed} batch ${b}`);
    });
    if (!usable) continue;
    attached++;
    if ([...created.values()].includes('Nullable(Int64)')) int64++;
    assert.equal(encoder.spoiled, false, `seed ${seed}`);
    assert.equal(encoder.rows, reference.rows);
    assert.deepEqual(opened, [[...created].map(([name, type]) => `${name} ${type}`).join(', ') + ' (attach)'], `seed ${seed}`);
    assert.deepEqual(encoder.plan(created)?.select, [...created.keys()].map((name) => `\`${name}\``), `seed ${seed}`);
  }
  assert.ok(attached > 20 && int64 > 10 && staged > 200, `attached ${attached} (with Int64 columns ${int64}), staged batches ${staged}`);
});

let server: ClickHouseServer;
let home: string;

before(async () => {
  server = await startClickHouse();
  home = mkdtempSync(path.join(tmpdir(), 'streamlake-chenc-'));
});
after(async () => {
  await server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

const ep = (): { url: string; user: string; password: string } => ({ url: server.url, user: server.user, password: server.password });

function context(pipeline: string): NodeContext {
  return {
    nodeId: 'ch', pipelineName: pipeline, clock: systemClock, timers: systemTimers, lakeDir: home, homeDir: home,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal, log: () => undefined,
  };
}

/** Random rows over every kind of value the sink meets; `late` is null in the first batch and a half. */
function randomRows(count: number, seed: number): Row[] {
  let s = seed;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const pieces = ['plain', 'ünïcødé', '✓', '😀', '\\', '\\N', '\t', '\n', '\r', '\0', "'", '"', ' ', '', 'x'.repeat(50), 'ж'.repeat(70)];
  const text = (): string => Array.from({ length: Math.floor(random() * 6) }, () => pick(pieces)).join('');
  return Array.from({ length: count }, (_, i) => {
    const nul = (): boolean => random() < 0.15;
    return {
      i,
      s: nul() ? null : random() < 0.01 ? 'y'.repeat(20_000) : text(),
      mixed: i === 0 ? 'first' : pick<unknown>([text(), Math.floor(random() * 1e6), random() * 10, true, false, 12345678901234567890n, null]),
      big: nul() ? null : pick([2 ** 53, -(2 ** 62), 2 ** 62 + 2 ** 40, 0, -1, Math.floor(random() * 1e15)]),
      f: nul() ? null : pick([random() * 1e6 - 5e5, -0.5, 1e300, 5e-324, Number.NaN, 0.1 + 0.2, 3]),
      b: nul() ? null : random() < 0.5,
      d: nul() ? null : new Date(Math.floor(random() * 4e12)),
      bytes: nul() ? null : Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
      obj: nul() ? null : pick<unknown>([{ a: text(), n: [1, 2.5, null] }, [text(), { deep: { er: true } }], []]),
      nothing: null,
      late: i < 1500 ? null : random() < 0.5 ? null : text(),
    };
  });
}

const dateTime = (d: Date): string => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * What each column of a row must read back as (JSONEachRow output, Int64 quoted), from the input alone.
 * Whole numbers past 2^53: RowBinary carries the double exactly; JSON text carries its shortest decimal
 * form (2^62 as 4611686018427388000), which ClickHouse parses as that integer; and 18.16's text parser
 * reads the subnormal 5e-324 as 0.
 */
function expected(row: Row, exact: boolean): Record<string, unknown> {
  const asText = (v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  const f = row.f as number | null;
  return {
    i: String(row.i), s: asText(row.s), mixed: asText(row.mixed), big: row.big === null ? null : (exact ? BigInt(row.big as number) : BigInt(String(row.big))).toString(),
    f: f === null || Number.isNaN(f) ? null : !exact && f === 5e-324 ? 0 : f, b: row.b === null ? null : row.b ? 1 : 0, d: row.d === null ? null : dateTime(row.d as Date),
    bytes: asText(row.bytes), obj: asText(row.obj), nothing: null, late: asText(row.late),
  };
}

test('random rows round trip through ClickHouse: streamed stage and JSONEachRow give what the input says', async () => {
  const input = randomRows(20_000, 99);
  const stages = async (table: string): Promise<number> => Number((await clickhouseJson<{ n: string }>(ep(), `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name LIKE '${table}_streamlake_stage_%'`))[0]?.n);
  // a DateTime column without a zone takes no binary plan: the same rows go as JSONEachRow
  // a table of the types the rows make, existing before the run: streamed into a stage of its shape (Int64
  // written as such) and attached
  await clickhouse(ep(), "CREATE TABLE rt_attach (i Nullable(Int64), s Nullable(String), mixed Nullable(String), big Nullable(Int64), f Nullable(Float64), b Nullable(UInt8), d Nullable(DateTime('UTC')), bytes Nullable(String), obj Nullable(String), nothing Nullable(String), late Nullable(String), _streamlake_batch String) ENGINE = MergeTree ORDER BY tuple()");
  await clickhouse(ep(), "CREATE TABLE rt_json (i Nullable(Int64), s Nullable(String), mixed Nullable(String), big Nullable(Int64), f Nullable(Float64), b Nullable(UInt8), d Nullable(DateTime), bytes Nullable(String), obj Nullable(String), nothing Nullable(String), late Nullable(String), _streamlake_batch String) ENGINE = MergeTree ORDER BY tuple()");
  for (const table of ['rt_binary', 'rt_attach', 'rt_json']) {
    const sink = new ClickHouseSink({ connection: 'x', table }, context(table), { connection: { name: 'x', ...ep() } });
    for (let at = 0; at < input.length; at += 1000) await sink.write({ rows: input.slice(at, at + 1000), partition: 'p' });
    if (table !== 'rt_json') {
      let open = 0;
      for (let tries = 0; tries < 50 && open === 0; tries++) if ((open = await stages(table)) === 0) await systemTimers.sleep(100);
      assert.equal(open, 1, 'the appends stream into a stage while they arrive');
    }
    await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
    assert.equal(await stages(table), 0, 'the stage is gone after the commit');
    assert.equal((await sink.close()).rows, input.length);
    const rows = await clickhouseJson<Record<string, unknown>>(ep(), `SELECT i, s, mixed, big, f, b, d, bytes, obj, nothing, late FROM ${table} ORDER BY i`);
    assert.equal(rows.length, input.length);
    rows.forEach((row, n) => assert.deepEqual(row, expected(input[n] as Row, table !== 'rt_json'), `${table} row ${n}`));
    const batches = await clickhouseJson<{ b: string }>(ep(), `SELECT DISTINCT _streamlake_batch AS b FROM ${table}`);
    assert.match(batches.map((x) => x.b).join(), table === 'rt_attach' ? /^rt_attach\/ch\/stage-[0-9a-f]{16}$/ : new RegExp(`^${table}/ch/1$`), 'attached with its token, or moved');
    // one block: a single unmerged part holds every row
    const parts = await clickhouseJson<{ name: string; rows: string }>(ep(), `SELECT name, rows FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`);
    assert.deepEqual(parts.map((p) => [p.name.endsWith('_0'), Number(p.rows)]), [[true, input.length]]);
  }
  const types = await clickhouseJson<{ name: string; type: string }>(ep(), "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'rt_binary'");
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.name, t.type])), {
    i: 'Nullable(Int64)', s: 'Nullable(String)', mixed: 'Nullable(String)', big: 'Nullable(Int64)', f: 'Nullable(Float64)', b: 'Nullable(UInt8)',
    d: "Nullable(DateTime('UTC'))", bytes: 'Nullable(String)', obj: 'Nullable(String)', nothing: 'Nullable(String)', late: 'Nullable(String)', _streamlake_batch: 'String',
  });
});

test('a body cut off mid-send lands in ClickHouse 18.16 (why rows go through a stage, never straight into the table)', async () => {
  await clickhouse(ep(), 'CREATE TABLE cut (s String) ENGINE = MergeTree ORDER BY tuple()');
  const { spawnSync } = await import('node:child_process');
  const script = `
    const http = require('node:http');
    const body = 'a\\n'.repeat(3000);
    const req = http.request(${JSON.stringify(`${server.url}/?query=${encodeURIComponent('INSERT INTO cut FORMAT TSV')}`)}, { method: 'POST', headers: { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': ${JSON.stringify(server.password)}, 'Content-Length': String(body.length * 2) } });
    req.on('error', () => {});
    req.write(body, () => setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300));`;
  spawnSync(process.execPath, ['-e', script]);
  let n = 0;
  for (let tries = 0; tries < 50 && n === 0; tries++) {
    n = Number((await clickhouseJson<{ n: string }>(ep(), 'SELECT count() AS n FROM cut'))[0]?.n);
    if (n === 0) await systemTimers.sleep(100);
  }
  assert.equal(n, 3000, 'half of the announced body became rows');
});
