// sink.clickhouse appends into an existing plain MergeTree: streamed into a stage of the table's own shape
// and attached at the commit (stage.ts). Against a real ClickHouse (Debian's 18.16): the rows equal the
// input (computed here), the stage is a MergeTree while rows arrive and gone after the commit, a table with
// PARTITION BY still gets the move; and under kill -9 (the CLI as a child process) at the new fault point
// before the attach, after it (before the commit-log row), and with an attach cut short (some of the
// stage's rows in the table), the restart leaves every input row exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import type { NodeContext, Row } from '../../runtime/types.ts';
import { life, sinkContext } from '../testing.ts';
import { systemTimers } from '../../runtime/clock.ts';
import { ClickHouseConnectionStore } from './connections.ts';
import { clickhouse, clickhouseJson } from './http.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';
import { ClickHouseSink } from './sink.ts';

let server: ClickHouseServer;
let dir: string;

before(async () => {
  server = await startClickHouse();
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-chattach-'));
});
after(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const ep = (): { url: string; user: string; password: string } => ({ url: server.url, user: server.user, password: server.password });
const query = <R>(sql: string): Promise<R[]> => clickhouseJson<R>(ep(), sql);

const context = (pipeline: string, logs: string[]): NodeContext => sinkContext(dir, pipeline, 'ch', logs);

const COLUMNS = "id Nullable(Int64), name Nullable(String), amount Nullable(Float64), ok Nullable(UInt8), at Nullable(DateTime('UTC')), _streamlake_batch String";

function rows(from: number, count: number): Row[] {
  const texts = ['plain', 'tab\there', 'ünïcødé ✓', "q'\"\\", ''];
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { id: i % 11 === 0 ? -(2 ** 53) + i : i, name: i % 13 === 0 ? null : texts[i % texts.length] as string, amount: i % 7 === 0 ? null : i / 8, ok: i % 2 === 0, at: new Date(Date.UTC(2026, 0, 1) + i * 1500) };
  });
}

/** The table's rows as the input says they must read back (Int64 quoted, DateTime whole seconds). */
function expected(input: readonly Row[]): unknown[] {
  return input.map((r) => [String(r.id), r.name, r.amount, r.ok ? 1 : 0, (r.at as Date).toISOString().slice(0, 19).replace('T', ' ')]).sort((a, b) => Number(a[0]) - Number(b[0]));
}

async function tableRows(table: string): Promise<unknown[]> {
  const got = await query<{ id: string | number; name: string | null; amount: number | null; ok: number; at: string }>(`SELECT id, name, amount, ok, at FROM ${table}`);
  return got.map((g) => [String(g.id), g.name, g.amount, g.ok, g.at]).sort((a, b) => Number(a[0]) - Number(b[0]));
}

test('an existing MergeTree: each interval streams into a stage of its shape and is attached; rows as the input says, tokens recorded, no stage left', async () => {
  await clickhouse(ep(), `CREATE TABLE att_plain (${COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
  const logs: string[] = [];
  const sink = new ClickHouseSink({ connection: 'x', table: 'att_plain' }, context('att', logs), { connection: { name: 'x', ...ep() } });
  const input = rows(0, 3000);
  for (const [id, slice] of [[1, input.slice(0, 1200)], [2, input.slice(1200)]] as const) {
    for (let at = 0; at < slice.length; at += 400) await sink.write({ rows: slice.slice(at, at + 400), partition: 'p' });
    // while rows arrive, the stage is a MergeTree of the table's columns (its batch column has a token default)
    let stage: { name: string; engine: string }[] = [];
    for (let tries = 0; tries < 50 && stage.length === 0; tries++) {
      stage = await query("SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name LIKE 'att_plain_streamlake_stage_%'");
      if (stage.length === 0) await systemTimers.sleep(100);
    }
    assert.deepEqual(stage.map((s) => s.engine), ['MergeTree'], `interval ${id}`);
    await sink.commit({ id, sources: {} }, await sink.prepare({ id, sources: {} }));
  }
  assert.equal((await sink.close()).rows, input.length);
  assert.deepEqual(await tableRows('att_plain'), expected(input));
  const attaches = await query<{ checkpoint_id: string; batch: string; row_count: string }>("SELECT checkpoint_id, batch, row_count FROM streamlake_attaches WHERE pipeline = 'att' AND table_name = 'att_plain' ORDER BY checkpoint_id");
  assert.deepEqual(attaches.map((a) => [a.checkpoint_id, a.row_count]), [['1', '1200'], ['2', '1800']]);
  const batches = await query<{ b: string; n: string }>('SELECT _streamlake_batch AS b, count() AS n FROM att_plain GROUP BY b ORDER BY n');
  assert.deepEqual(batches, attaches.map((a) => ({ b: a.batch, n: a.row_count })), 'each interval carries its recorded token');
  assert.ok(attaches.every((a) => /^att\/ch\/stage-[0-9a-f]{16}$/.test(a.batch)), JSON.stringify(attaches));
  assert.deepEqual(await query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'att_plain_streamlake_stage_%'"), []);
  assert.ok(!logs.some((m) => m.includes('written from the staged rows')), logs.join('\n'));
});

test('a table with PARTITION BY, or a column of a type the encoder does not write, gets the move (batch = pipeline/node/checkpoint)', async () => {
  await clickhouse(ep(), `CREATE TABLE att_parted (${COLUMNS}) ENGINE = MergeTree PARTITION BY _streamlake_batch ORDER BY tuple()`);
  await clickhouse(ep(), `CREATE TABLE att_typed (${COLUMNS.replace('id Nullable(Int64)', 'id Nullable(Int32)')}) ENGINE = MergeTree ORDER BY tuple()`);
  for (const table of ['att_parted', 'att_typed']) {
    const sink = new ClickHouseSink({ connection: 'x', table }, context(table, []), { connection: { name: 'x', ...ep() } });
    const input = rows(0, 2000).map((r) => ({ ...r, id: Math.abs(r.id as number) % 1_000_000 }));
    await sink.write({ rows: input.slice(0, 1000), partition: 'p' });
    await sink.write({ rows: input.slice(1000), partition: 'p' });
    await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
    await sink.close();
    assert.deepEqual(await tableRows(table), expected(input), table);
    assert.deepEqual(await query(`SELECT _streamlake_batch AS b, count() AS n FROM ${table} GROUP BY b`), [{ b: `${table}/ch/1`, n: '2000' }], table);
    assert.deepEqual(await query(`SELECT count() AS n FROM streamlake_attaches WHERE table_name = '${table}'`).catch(() => [{ n: '0' }]), [{ n: '0' }], table);
  }
});

test('a table that changed shape after its stage was made refuses the attach: the stage is moved, every row once', async () => {
  await clickhouse(ep(), `CREATE TABLE att_changed (${COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
  const logs: string[] = [];
  const sink = new ClickHouseSink({ connection: 'x', table: 'att_changed' }, context('chg', logs), { connection: { name: 'x', ...ep() } });
  const input = rows(0, 1500);
  await sink.write({ rows: input.slice(0, 700), partition: 'p' });
  await sink.write({ rows: input.slice(700), partition: 'p' });
  const pending = await sink.prepare({ id: 1, sources: {} });
  // someone adds a column meanwhile: the stage (made AS the table) no longer has its structure
  await clickhouse(ep(), 'ALTER TABLE att_changed ADD COLUMN note Nullable(String)');
  await sink.commit({ id: 1, sources: {} }, pending);
  await sink.close();
  assert.ok(logs.some((m) => m.includes("checkpoint 1's stage could not be attached to att_changed")), logs.join('\n'));
  assert.deepEqual(await tableRows('att_changed'), expected(input));
  assert.deepEqual(await query('SELECT _streamlake_batch AS b, count() AS n FROM att_changed GROUP BY b'), [{ b: 'chg/ch/1', n: '1500' }]);
});

const n = 6000;

/** A pipeline into a table that exists before the run (so its first interval is attached), in the CLI. */
function cliSetup(name: string): { args: string[]; home: string; events: Row[] } {
  const home = path.join(dir, `home-${name}`);
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name,
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: n, seed: 8, eventsPerSecond: 20_000, partitions: 1 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', quantity: 'quantity', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.clickhouse', config: { connection: 'crash', table: name } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }],
  };
  const docPath = path.join(dir, `${name}.json`);
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, `lake-${name}`), '--checkpoint-dir', path.join(dir, `chk-${name}`), '--checkpoint-interval', '300ms'];
  return { args, home, events: [...generateEvents('sales_orders', { count: n, seed: 8, partitions: 1, eventsPerSecond: 20_000 })] };
}

async function createOrders(name: string): Promise<void> {
  await clickhouse(ep(), `CREATE TABLE ${name} (order_id Nullable(String), region Nullable(String), quantity Nullable(Int64), amount Nullable(Float64), event_time Nullable(DateTime('UTC')), _streamlake_batch String) ENGINE = MergeTree ORDER BY tuple()`);
}

async function dies(args: string[], home: string, fault: string): Promise<void> {
  const l = life(args, home, fault);
  const timer = setTimeout(l.kill, 60_000);
  const outcome = await l.exit;
  clearTimeout(timer);
  assert.equal(outcome.signal, 'SIGKILL', l.output.join(''));
}

async function finishes(args: string[], home: string): Promise<void> {
  const l = life(args, home);
  const outcome = await l.exit;
  assert.equal(outcome.code, 0, l.output.join(''));
}

/** Every event exactly once, with its values. */
async function exactlyOnce(table: string, events: readonly Row[]): Promise<void> {
  const got = await query<{ order_id: string; quantity: string; amount: number }>(`SELECT order_id, quantity, amount FROM ${table}`);
  assert.equal(got.length, events.length, 'every input row exactly once');
  const want = new Map(events.map((e) => [String(e.order_id), [String(e.quantity), e.amount]]));
  assert.equal(new Set(got.map((g) => g.order_id)).size, events.length);
  for (const g of got) assert.deepEqual([g.quantity, g.amount], want.get(g.order_id), g.order_id);
  const stages = await query(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '${table}_streamlake_stage_%'`);
  assert.deepEqual(stages, [], 'stage tables the killed life left were dropped');
}

async function recorded(pipeline: string, id: number): Promise<{ batch: string; rows: number }> {
  const rows = await query<{ batch: string; row_count: string }>(`SELECT batch, row_count FROM streamlake_attaches WHERE pipeline = '${pipeline}' AND checkpoint_id = ${id}`);
  assert.equal(rows.length, 1, JSON.stringify(rows));
  return { batch: (rows[0] as { batch: string }).batch, rows: Number((rows[0] as { row_count: string }).row_count) };
}

const countOf = async (table: string, batch: string): Promise<number> => Number((await query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE _streamlake_batch = '${batch}'`))[0]?.n);
const committed = async (pipeline: string): Promise<number> => Number((await query<{ n: string }>(`SELECT count() AS n FROM streamlake_commits WHERE pipeline = '${pipeline}'`))[0]?.n);

test('kill -9 after the attach, before the commit-log row: the restart finds the token with all its rows and records the commit only', async () => {
  const name = 'att_after';
  const { args, home, events } = cliSetup(name);
  await new ClickHouseConnectionStore(home).save({ name: 'crash', url: server.url, user: server.user, password: server.password });
  await createOrders(name);
  await dies(args, home, 'clickhouse.before-commit-log@1');
  const { batch, rows } = await recorded(name, 1);
  assert.ok(rows > 0);
  assert.equal(await countOf(name, batch), rows, 'the first interval is attached');
  assert.equal(await committed(name), 0, 'its commit-log row is not');
  await finishes(args, home);
  await exactlyOnce(name, events);
  assert.equal(await countOf(name, batch), rows, 'the attached rows were kept, not written again');
});

test('kill -9 between recording the token and the attach, then an attach cut short (some of the stage in the table): the restart deletes them and writes the checkpoint once', async () => {
  const name = 'att_partial';
  const { args, home, events } = cliSetup(name);
  await new ClickHouseConnectionStore(home).save({ name: 'crash', url: server.url, user: server.user, password: server.password });
  await createOrders(name);
  await dies(args, home, 'clickhouse.before-attach@1');
  const { batch, rows } = await recorded(name, 1);
  assert.equal(await countOf(name, batch), 0, 'nothing attached');
  // what a server crash in the middle of attaching several parts leaves: part of the stage in the table
  const [stage] = await query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '${name}_streamlake_stage_%'`);
  assert.ok(stage, 'the killed life left its stage');
  const some = Math.floor(rows / 3);
  await clickhouse(ep(), `INSERT INTO ${name} SELECT * FROM ${stage.name} LIMIT ${some}`);
  assert.equal(await countOf(name, batch), some);
  await finishes(args, home);
  await exactlyOnce(name, events);
  assert.equal(await countOf(name, batch), 0, 'the partial rows were deleted');
});
