// sink.postgres streaming appends into a transaction while the interval runs (live.ts), against a real
// PostgreSQL server: nothing is visible before the commit although the server already has the rows, and
// each way the live transaction can fail falls back to writing the staged rows, exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
  home = mkdtempSync(path.join(tmpdir(), 'streamlake-pglive-'));
});
after(() => {
  server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

function context(pipeline: string): NodeContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    nodeId: 'pg', pipelineName: pipeline, clock: systemClock, timers: systemTimers, lakeDir: home, homeDir: home, logs,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal,
    log: (level, message) => { logs.push(`${level}: ${message}`); },
  };
}

function sink(pipeline: string, table: string): PostgresSink {
  const connection = { name: 'live', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
  return new PostgresSink({ connection: 'live', table }, context(pipeline), { connection });
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

const orders = (from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: from + i, region: i % 2 ? 'eu' : 'us\tx', at: new Date(Date.UTC(2026, 0, 1, 0, 0, from + i)) }));
const exists = async (table: string): Promise<boolean> => (await query('SELECT to_regclass($1) AS t', [table]))[0]?.t !== null;
const copying = async (pipeline: string): Promise<number> => (await query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'COPY%'`, [`streamlake ${pipeline}/pg`]))[0]?.n as number;

test('appends reach the server during the interval and become visible only with the commit row', async () => {
  const s = sink('live-a', 'live_a');
  await s.write({ rows: orders(0, 500), partition: 'p' });
  await s.write({ rows: orders(500, 500), partition: 'p' });
  assert.equal(await copying('live-a'), 1, 'the rows are being copied before the barrier');
  assert.equal(await exists('live_a'), false, 'the table made in the open transaction is not visible');
  const pending = await s.prepare({ id: 1, sources: {} });
  assert.equal(await exists('live_a'), false);
  await s.commit({ id: 1, sources: {} }, pending);
  const rows = await query<{ id: string; region: string; at: Date }>('SELECT id, region, at FROM live_a ORDER BY id');
  assert.deepEqual(rows.map((r) => [Number(r.id), r.region, r.at.getTime()]), orders(0, 1000).map((r) => [r.id, r.region, (r.at as Date).getTime()]));
  assert.deepEqual(await query('SELECT checkpoint_id::int AS id, row_count::int AS n FROM streamlake_commits WHERE pipeline = $1', ['live-a']), [{ id: 1, n: 1000 }]);

  // the next interval streams into the existing table
  await s.write({ rows: orders(1000, 10), partition: 'p' });
  assert.equal(await copying('live-a'), 1);
  await s.commit({ id: 2, sources: {} }, await s.prepare({ id: 2, sources: {} }));
  assert.equal((await query<{ n: number }>('SELECT count(DISTINCT id)::int AS n FROM live_a'))[0]?.n, 1010);
  await s.close();
});

test('a refused value, a new column, or a crash before the commit: the staged rows are written, each once', async () => {
  // a string where the first batch made a bigint column: the live COPY fails, the commit finds the row
  const refused = sink('live-b', 'live_b');
  await refused.write({ rows: orders(0, 100), partition: 'p' });
  await refused.write({ rows: [{ id: 'not a number', region: 'eu', at: new Date(0) }, ...orders(100, 100)], partition: 'p' });
  await refused.commit({ id: 1, sources: {} }, await refused.prepare({ id: 1, sources: {} }));
  assert.equal((await query<{ n: number }>('SELECT count(DISTINCT id)::int AS n FROM live_b'))[0]?.n, 200);
  const dead = refused.rejected();
  assert.equal(dead.length, 1);
  assert.match(dead[0]?.reason ?? '', /invalid input syntax for type bigint/);
  await refused.close();

  // a column that appears in a later batch: the table gets it, earlier rows have null there
  const grown = sink('live-c', 'live_c');
  await grown.write({ rows: orders(0, 50), partition: 'p' });
  await grown.write({ rows: orders(50, 50).map((r) => ({ ...r, note: `n${String(r.id)}` })), partition: 'p' });
  await grown.commit({ id: 1, sources: {} }, await grown.prepare({ id: 1, sources: {} }));
  const notes = await query<{ id: string; note: string | null }>('SELECT id, note FROM live_c ORDER BY id');
  assert.deepEqual(notes.map((r) => r.note), Array.from({ length: 100 }, (_, i) => (i < 50 ? null : `n${i}`)));
  await grown.close();

  // prepared, then the process is gone before its commit: the server rolls the live rows back and a
  // restore commits the staged ones
  const crashed = sink('live-d', 'live_d');
  await crashed.write({ rows: orders(0, 300), partition: 'p' });
  const pending = await crashed.prepare({ id: 7, sources: {} });
  await crashed.close();
  assert.equal(await exists('live_d'), false);
  const restored = sink('live-d', 'live_d');
  await restored.commit({ id: 7, sources: {}, flush: true }, JSON.parse(JSON.stringify(pending)));
  await restored.commit({ id: 7, sources: {}, flush: true }, JSON.parse(JSON.stringify(pending)));
  assert.deepEqual(await query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM live_d'), [{ n: 300, d: 300 }]);
  await restored.close();
});

test('two sinks of one process writing the same table do not stream (a commit could wait on the other one\'s open transaction)', async () => {
  const a = sink('live-e', 'live_e');
  const b = sink('live-f', 'live_e');
  await a.write({ rows: orders(0, 100), partition: 'p' });
  await b.write({ rows: orders(100, 100), partition: 'p' });
  assert.equal(await copying('live-e') + await copying('live-f'), 0);
  const pa = await a.prepare({ id: 1, sources: {} });
  const pb = await b.prepare({ id: 1, sources: {} });
  await b.commit({ id: 1, sources: {} }, pb);
  await a.commit({ id: 1, sources: {} }, pa);
  assert.deepEqual(await query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM live_e'), [{ n: 200, d: 200 }]);
  await a.close();
  await b.close();
  // alone again: the next sink on the table streams
  const c = sink('live-g', 'live_e');
  await c.write({ rows: orders(200, 10), partition: 'p' });
  assert.equal(await copying('live-g'), 1);
  await c.commit({ id: 1, sources: {} }, await c.prepare({ id: 1, sources: {} }));
  await c.close();
});
