// The retry race of a commit's move or attach (issue 14): the HTTP connection drops while the statement
// still runs on the server (or before its request reached it), so the sink's retry gets no answer and
// counts the checkpoint's rows before that statement landed them. Against a real ClickHouse (Debian's
// 18.16), through a TCP relay in the test that cuts the sink's connection at the chosen statement:
// - the Memory stage's move (`INSERT … SELECT`) into a table whose extra column defaults to `sleep(2)`, so
//   the server works on the move for two seconds after the relay cut the connection at 0.3 s;
// - the attach (`ATTACH PARTITION tuple() FROM stage`), whose request the relay holds when it cuts the
//   connection and hands to the server only when the retry's next request naming the stage arrives.
// Both times every input row must be in the table exactly once (computed from the input here). The tree
// before the fix wrote the checkpoint twice in both (2 × the rows).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { NodeContext, Row } from '../../runtime/types.ts';
import { sinkContext } from '../testing.ts';
import { systemTimers } from '../../runtime/clock.ts';
import { clickhouse, clickhouseJson } from './http.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';
import { ClickHouseSink } from './sink.ts';

/** What the relay does to the first request matching `match`; `then`: the rule armed after it. */
interface Rule {
  mode: 'cut' | 'hold';
  match: RegExp;
  ms: number;
  name?: (text: string) => string;
  then?: Rule;
}

/**
 * A TCP relay in front of the server. `cut`: the first request matching `match` is forwarded, and the
 * client's socket is destroyed `ms` later (the server's side stays open, as a server sees a client that
 * went away). `hold`: the client's socket is destroyed at once and the request is held; it reaches the
 * server just before the next request that names `stage(text)`, which is forwarded `ms` later.
 */
class Relay {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private held: { to: net.Socket; bytes: Buffer[]; name: string } | null = null;
  private armed: Rule | null = null;
  /** The statements the relay acted on since it was armed. */
  readonly seen: string[] = [];
  /** The start of every chunk the sink sent (statements are in the first chunk of their request). */
  readonly sent: string[] = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.pipe(client));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  arm(rule: Rule): void {
    this.armed = rule;
    this.seen.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    upstream.on('data', (d: Buffer) => { if (!client.destroyed) client.write(d); });
    const ignore = (): void => undefined;
    client.on('error', ignore);
    upstream.on('error', ignore);
    upstream.on('close', () => client.destroy());
    client.on('close', () => { if (this.held?.to !== upstream) upstream.end(); });
    let queue: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        const text = chunk.toString('latin1');
        this.sent.push(text.slice(0, 2000));
        const held = this.held;
        if (held && text.includes(held.name)) {
          // the held request reaches the server first; the one naming its stage comes after it ran
          this.held = null;
          for (const b of held.bytes) held.to.write(b);
          await systemTimers.sleep(this.armed?.ms ?? 0);
        }
        const rule = this.armed;
        if (rule && rule.match.test(text)) {
          this.armed = rule.then ?? (rule.mode === 'hold' ? { ...rule, match: /(?!)/ } : null);
          this.seen.push(text.slice(text.search(rule.match)).slice(0, 120));
          if (rule.mode === 'hold') {
            this.held = { to: upstream, bytes: [chunk], name: rule.name?.(text) ?? '' };
            client.destroy();
            return;
          }
          upstream.write(chunk);
          setTimeout(() => client.destroy(), rule.ms);
          return;
        }
        upstream.write(chunk);
      });
    });
  }
}

let server: ClickHouseServer;
let relay: Relay;
let dir: string;

before(async () => {
  server = await startClickHouse();
  const url = new URL(server.url);
  relay = new Relay({ host: url.hostname, port: Number(url.port) });
  await relay.listen();
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-chrace-'));
});
after(async () => {
  await relay?.close();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const ep = (): { url: string; user: string; password: string } => ({ url: server.url, user: server.user, password: server.password });
const viaRelay = (): { name: string; url: string; user: string; password: string } => ({ name: 'x', url: `http://127.0.0.1:${relay.port}`, user: server.user, password: server.password });
const query = <R>(sql: string): Promise<R[]> => clickhouseJson<R>(ep(), sql);

const context = (pipeline: string, logs: string[]): NodeContext => sinkContext(dir, pipeline, 'ch', logs);

const COLUMNS = "id Nullable(Int64), name Nullable(String), amount Nullable(Float64), at Nullable(DateTime('UTC')), _streamlake_batch String";

function rows(count: number): Row[] {
  const texts = ['plain', 'tab\there', 'ünïcødé ✓', "q'\"\\", ''];
  return Array.from({ length: count }, (_, i) => ({ id: i, name: i % 13 === 0 ? null : texts[i % texts.length] as string, amount: i % 7 === 0 ? null : i / 8, at: new Date(Date.UTC(2026, 0, 1) + i * 1500) }));
}

/** Every input row once: the table's rows as the input says they read back, sorted by id. */
async function assertOnce(table: string, input: readonly Row[]): Promise<void> {
  const [counts] = await query<{ n: string; ids: string }>(`SELECT count() AS n, uniqExact(id) AS ids FROM ${table}`);
  assert.deepEqual(counts, { n: String(input.length), ids: String(input.length) }, `${table}: rows and distinct ids`);
  const got = await query<{ id: string; name: string | null; amount: number | null; at: string }>(`SELECT id, name, amount, at FROM ${table} ORDER BY id`);
  const want = input.map((r) => ({ id: String(r.id), name: r.name, amount: r.amount, at: (r.at as Date).toISOString().slice(0, 19).replace('T', ' ') }));
  assert.deepEqual(got, want, table);
}

async function stagesOf(table: string): Promise<unknown[]> {
  return query(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '${table}\\_streamlake\\_stage\\_%'`);
}

test('the connection drops while the move (INSERT … SELECT) still runs on the server: the retry waits for it and writes every row once', async () => {
  // PARTITION BY: no attach, the Memory stage and its move; `slow`: the move's block waits 2 s for its default
  await clickhouse(ep(), `CREATE TABLE race_move (${COLUMNS}, slow UInt8 DEFAULT sleep(2)) ENGINE = MergeTree PARTITION BY _streamlake_batch ORDER BY tuple()`);
  const logs: string[] = [];
  const sink = new ClickHouseSink({ connection: 'x', table: 'race_move', retries: 3 }, context('mv', logs), { connection: viaRelay() });
  const input = rows(5000);
  for (let at = 0; at < input.length; at += 1000) await sink.write({ rows: input.slice(at, at + 1000), partition: 'p' });
  relay.arm({ mode: 'cut', match: /INSERT INTO `race_move` \([^)]*\) SELECT /, ms: 300 });
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  const summary = await sink.close();
  assert.equal(relay.seen.length, 1, 'the relay cut the move');
  assert.ok(Number(summary.retries) >= 1, JSON.stringify(summary));
  await assertOnce('race_move', input);
  assert.deepEqual(await query('SELECT _streamlake_batch AS b, count() AS n FROM race_move GROUP BY b'), [{ b: 'mv/ch/1', n: '5000' }]);
  assert.deepEqual(await query("SELECT checkpoint_id AS id, row_count AS n FROM streamlake_commits WHERE pipeline = 'mv'"), [{ id: '1', n: '5000' }]);
  assert.ok(logs.some((m) => m.includes('got no answer; dropping the stage')), logs.join('\n'));
  assert.deepEqual(await stagesOf('race_move'), []);
});

test('the retry DROP of the unsettled stage gets no answer either: said plainly, retried, every row once', async () => {
  await clickhouse(ep(), `CREATE TABLE race_drop (${COLUMNS}, slow UInt8 DEFAULT sleep(2)) ENGINE = MergeTree PARTITION BY _streamlake_batch ORDER BY tuple()`);
  const logs: string[] = [];
  const sink = new ClickHouseSink({ connection: 'x', table: 'race_drop', retries: 3 }, context('dr', logs), { connection: viaRelay() });
  const input = rows(3000);
  for (let at = 0; at < input.length; at += 1000) await sink.write({ rows: input.slice(at, at + 1000), partition: 'p' });
  relay.arm({ mode: 'cut', match: /INSERT INTO `race_drop` \([^)]*\) SELECT /, ms: 300, then: { mode: 'cut', match: /DROP TABLE IF EXISTS `race_drop_streamlake_stage_/, ms: 0 } });
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  await sink.close();
  assert.equal(relay.seen.length, 2, 'the relay cut the move, then the DROP');
  assert.ok(logs.some((m) => m.includes('of an earlier attempt could not be dropped (its move or attach may still be running')), logs.join('\n'));
  await assertOnce('race_drop', input);
  assert.deepEqual(await stagesOf('race_drop'), []);
});

test('the connection drops as the attach is sent, and the server gets it late: every row once, whichever runs first', async () => {
  await clickhouse(ep(), `CREATE TABLE race_attach (${COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
  const logs: string[] = [];
  const sink = new ClickHouseSink({ connection: 'x', table: 'race_attach', retries: 3 }, context('at', logs), { connection: viaRelay() });
  const input = rows(4000);
  for (let at = 0; at < input.length; at += 1000) await sink.write({ rows: input.slice(at, at + 1000), partition: 'p' });
  const stage = (text: string): string => /ATTACH PARTITION tuple\(\) FROM `([^`]+)`/.exec(text)?.[1] ?? '\0';
  relay.arm({ mode: 'hold', match: /ALTER TABLE `race_attach` ATTACH PARTITION/, ms: 500, name: stage });
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  const summary = await sink.close();
  assert.equal(relay.seen.length, 1, 'the relay held the attach');
  assert.ok(Number(summary.retries) >= 1, JSON.stringify(summary));
  await assertOnce('race_attach', input);
  assert.deepEqual(await query("SELECT checkpoint_id AS id, row_count AS n FROM streamlake_commits WHERE pipeline = 'at'"), [{ id: '1', n: '4000' }]);
  assert.deepEqual(await stagesOf('race_attach'), []);
});

test('the first attempt at a checkpoint the process streamed does not count the table (a read of its whole batch column); a restore does', async () => {
  await clickhouse(ep(), `CREATE TABLE race_count (${COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
  const sink = new ClickHouseSink({ connection: 'x', table: 'race_count' }, context('ct', []), { connection: viaRelay() });
  const input = rows(3000);
  const counts = (): string[] => relay.sent.filter((t) => t.includes('count() AS n FROM `race_count`'));
  relay.sent.length = 0;
  let pending: unknown;
  for (const [id, from, to] of [[1, 0, 1000], [2, 1000, 2000], [3, 2000, 3000]] as const) {
    await sink.write({ rows: input.slice(from, to), partition: 'p' });
    pending = await sink.prepare({ id, sources: {} });
    if (id < 3) await sink.commit({ id, sources: {} }, pending);
  }
  assert.deepEqual(counts(), [], 'no count in the commits of intervals this sink streamed');
  await sink.close();
  // checkpoint 3 prepared, not committed: a new sink (a restart) commits it from the staging file, and counts first
  const restored = new ClickHouseSink({ connection: 'x', table: 'race_count' }, context('ct', []), { connection: viaRelay() });
  await restored.commit({ id: 3, sources: {} }, pending);
  await restored.close();
  assert.equal(counts().length, 1, 'the restore counts');
  await assertOnce('race_count', input);
});
