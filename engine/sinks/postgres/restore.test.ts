// sink.postgres with appends staged as COPY text (encoder.ts, staging.ts) against a real PostgreSQL server:
// random rows (unicode, escapes, nulls, big numbers, dates, bytes, JSON) come back from the server equal
// to the input, through the live transaction and through a restore that sends the staged bytes; and a
// restore whose COPY the server refuses reads the rows back from that text and sends each refused one to
// the error port exactly as it was written.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import type { NodeContext, Row } from '../../runtime/types.ts';
import { startPostgres, type PostgresServer } from './server.ts';
import { PostgresSink } from './sink.ts';

let server: PostgresServer;
let home: string;

before(async () => {
  server = await startPostgres();
  home = mkdtempSync(path.join(tmpdir(), 'streamlake-pgrestore-'));
});
after(() => {
  server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

function sink(pipeline: string, table: string): { sink: PostgresSink; logs: string[] } {
  const logs: string[] = [];
  const ctx: NodeContext = {
    nodeId: 'pg', pipelineName: pipeline, clock: systemClock, timers: systemTimers, lakeDir: home, homeDir: home,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal,
    log: (level, message) => { logs.push(`${level}: ${message}`); },
  };
  const connection = { name: 'restore', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
  return { sink: new PostgresSink({ connection: 'restore', table }, ctx, { connection }), logs };
}

async function query<R = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const pieces = ['a', 'Z', ' ', '\\', '\\\\', '\t', '\n', '\r', '\r\n', '\\N', '\\.', 'ü', 'ß', '€', '✓', '😀', '𝄞', '"', "'", ',', '\u0001', '\u007f', 'NULL', ''];
const day = 86_400_000;

/** Rows of fixed columns, the first row of each batch with every value set so the types are fixed from the start. */
function rows(rand: () => number, from: number, n: number): Row[] {
  const maybe = <T>(v: T, i: number): T | null => (i > 0 && rand() < 0.1 ? null : v);
  return Array.from({ length: n }, (_, i) => {
    let s = '';
    for (let k = Math.floor(rand() * 10); k > 0; k--) s += pieces[Math.floor(rand() * pieces.length)] as string;
    const nr = rand();
    const n = i === 0 ? 0.5 : nr < 0.3 ? Math.round(rand() * 1e7) / 100 : nr < 0.6 ? (rand() - 0.5) * 10 ** Math.floor(rand() * 60 - 30)
      : nr < 0.7 ? [Number.NaN, Infinity, -Infinity, 1e21, Number.MAX_VALUE, 5e-324][Math.floor(rand() * 6)] as number : Math.floor(rand() * 1e6) - 5e5;
    return {
      id: from + i,
      s: maybe(s, i),
      n: maybe(n, i),
      big: maybe(Math.floor((rand() - 0.5) * 2 ** 54), i),
      flag: maybe(rand() < 0.5, i),
      at: maybe(new Date(Math.floor((rand() - 0.1) * 300 * 365 * day) + Math.floor(rand() * 1000)), i),
      raw: maybe(new Uint8Array(Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * 256))), i),
      doc: maybe({ k: s, list: [1, null, 'x'] }, i),
    };
  });
}

interface Held { id: string; s: string | null; n: number | null; big: string | null; flag: boolean | null; at: Date | null; raw: Buffer | null; doc: unknown }

/** What the server holds against the input, value by value (bigint read as text, bytes as a Buffer). */
async function assertHolds(table: string, input: readonly Row[], nullOnly: readonly string[] = []): Promise<void> {
  const held = await query<Held>(`SELECT * FROM ${table} ORDER BY id`);
  assert.equal(held.length, input.length);
  held.forEach((row, i) => {
    const want = input[i] as Row;
    const at = `row ${String(want.id)}`;
    assert.equal(Number(row.id), want.id, at);
    assert.equal(row.s, want.s, at);
    assert.equal(row.n, want.n, at);
    assert.equal(row.big, want.big === null ? null : String(want.big), at);
    assert.equal(row.flag, want.flag, at);
    assert.equal(row.at?.getTime() ?? null, want.at === null ? null : (want.at as Date).getTime(), at);
    assert.deepEqual(row.raw === null ? null : [...row.raw], want.raw === null ? null : [...(want.raw as Uint8Array)], at);
    assert.deepEqual(row.doc, want.doc, at);
  });
  const types = await query<{ column_name: string; data_type: string }>('SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1', [table]);
  // a column only ever null is text
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.data_type])), {
    id: 'bigint', s: 'text', n: 'double precision', big: 'bigint', flag: 'boolean', at: 'timestamp with time zone',
    raw: nullOnly.includes('raw') ? 'text' : 'bytea', doc: nullOnly.includes('doc') ? 'text' : 'jsonb',
  });
}

/** The staged files of a sink's node (the pending folder of its pipeline). */
function stagedFiles(pipeline: string): Buffer[] {
  const dir = path.join(home, 'pending', pipeline, 'pg');
  return readdirSync(dir).filter((f) => f.startsWith('chk-')).map((f) => readFileSync(path.join(dir, f)));
}

test('random rows: the server holds the input, through the live transaction and through a restore of the staged COPY text', async () => {
  const rand = random(2026);
  // plain values (no bytes, no JSON): every batch is staged as its COPY text
  const plain = (from: number, n: number): Row[] => rows(rand, from, n).map(({ raw: _raw, doc: _doc, ...rest }) => ({ ...rest, raw: null, doc: null }));
  const first = [...rows(rand, 0, 400), ...rows(rand, 400, 300)];
  const a = sink('rt', 'rt');
  await a.sink.write({ rows: first.slice(0, 400), partition: 'p' });
  await a.sink.write({ rows: first.slice(400), partition: 'p' });
  await a.sink.commit({ id: 1, sources: {} }, await a.sink.prepare({ id: 1, sources: {} }));
  await assertHolds('rt', first);

  // the second interval is prepared, and the process is gone before its commit
  const second = [...plain(700, 500), ...plain(1200, 250)];
  await a.sink.write({ rows: second.slice(0, 500), partition: 'p' });
  await a.sink.write({ rows: second.slice(500), partition: 'p' });
  const pending = await a.sink.prepare({ id: 2, sources: {} });
  await a.sink.close();
  const [file] = stagedFiles('rt');
  assert.equal(file?.subarray(0, 8).toString(), 'SLSTAGE2');
  assert.ok(file && file.length < 1450 * 200, `the staged file (${file?.length} bytes) is the COPY text, not rows serialised`);

  const b = sink('rt', 'rt');
  await b.sink.commit({ id: 2, sources: {}, flush: true }, JSON.parse(JSON.stringify(pending)));
  assert.ok(b.logs.some((l) => l.includes('checkpoint 2 from its staged COPY text (750 rows)')), b.logs.join('\n'));
  await assertHolds('rt', [...first, ...second]);
  assert.deepEqual(stagedFiles('rt'), [], 'the staging file is deleted once committed');
  await b.sink.close();
});

test('a restore whose staged COPY text the server refuses reads the rows back: each refused row leaves exactly as written', async () => {
  await query('CREATE TABLE narrow (id bigint, code varchar(3), at timestamptz, amount double precision)');
  const input: Row[] = Array.from({ length: 600 }, (_, i) => ({
    id: i, code: i % 97 === 5 ? `lo\tng\\${i}` : i % 2 ? 'ü✓' : null, at: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999) + i * 7), amount: i % 3 ? i / 8 : -i - 1,
  }));
  const a = sink('narrow', 'narrow');
  for (let i = 0; i < input.length; i += 100) await a.sink.write({ rows: input.slice(i, i + 100), partition: 'p' });
  const pending = await a.sink.prepare({ id: 1, sources: {} });
  await a.sink.close();

  const b = sink('narrow', 'narrow');
  await b.sink.commit({ id: 1, sources: {}, flush: true }, JSON.parse(JSON.stringify(pending)));
  assert.ok(b.logs.some((l) => l.includes('from its staged COPY text')), b.logs.join('\n'));
  const bad = input.filter((r) => typeof r.code === 'string' && r.code.length > 3);
  const dead = b.sink.rejected();
  assert.deepStrictEqual(dead.map((d) => d.payload), bad);
  assert.ok(dead.every((d) => /value too long for type character varying\(3\)/.test(d.reason)));
  const held = await query<{ id: string; code: string | null; at: Date; amount: number }>('SELECT * FROM narrow ORDER BY id');
  assert.deepEqual(held.map((r) => [Number(r.id), r.code, r.at.getTime(), r.amount]), input.filter((r) => !bad.includes(r)).map((r) => [r.id, r.code, (r.at as Date).getTime(), r.amount]));
  await b.sink.close();
});

test('the live transaction lost before its commit, its text already dropped from memory: the commit sends the staged text', async () => {
  const rand = random(7);
  const input = rows(rand, 0, 900).map(({ raw: _raw, doc: _doc, ...rest }) => ({ ...rest, raw: null, doc: null }));
  const a = sink('lost', 'lost');
  for (let i = 0; i < input.length; i += 300) await a.sink.write({ rows: input.slice(i, i + 300), partition: 'p' });
  const pending = await a.sink.prepare({ id: 1, sources: {} });
  const killed = await query<{ ok: boolean }>("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'streamlake lost/pg'");
  assert.deepEqual(killed, [{ ok: true }], 'the live transaction was open');
  await a.sink.commit({ id: 1, sources: {} }, pending);
  assert.ok(a.logs.some((l) => l.includes('checkpoint 1 from its staged COPY text (900 rows)')), a.logs.join('\n'));
  await assertHolds('lost', input, ['raw', 'doc']);
  await a.sink.close();
});
