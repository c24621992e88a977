// Stage tables: every insert of sink.clickhouse goes first into a private Memory table and reaches the
// target only through one server-side `INSERT … SELECT` squashed into a single block.
//
// Why: ClickHouse 18.16 inserts whatever part of a request body it received when the client goes away
// mid-send — with Content-Length as with chunked encoding (a process killed after sending 3,000 of 6,000
// TSV lines leaves 3,000 rows in the table). A checkpoint's block sent straight to the target could
// therefore land half, under its batch id, and the restore's "rows of this batch are already there" check
// would then record the commit with the other half missing. The client never sends data to the target:
// a stage table that got only part of a body is never moved (its row count must equal what was sent),
// and the move is a query without a body, which the server runs to its end or not at all.
//
// The move is one block: `min_insert_block_size_rows` above the row count and `min_insert_block_size_bytes`
// 0 make the INSERT … SELECT squash everything it reads into one block, written as one part (an
// unpartitioned MergeTree) that becomes visible at once. Memory tables vanish with a server restart; the
// row count check then fails and the sink writes the staged rows again.
//
// The appends of an interval are streamed into their stage as they arrive (`StageStream`, RowBinary from
// encoder.ts), so the server parses them while the input is read and the commit is the move only.
//
// Attached stages: when the table exists as a plain `MergeTree` (no PARTITION BY) and every column of the
// interval is of a type the encoder writes as the table holds it, the stage is instead a table of the
// target's own shape (`CREATE TABLE stage AS target`) whose `_streamlake_batch` defaults to a random batch
// token (`<pipeline>/<node>/stage-<hex>`: the checkpoint id is not known while rows arrive). The server
// writes its parts while the input is read (blocks of STREAM_BLOCK_ROWS rows), and the commit makes them
// visible with `ALTER TABLE target ATTACH PARTITION tuple() FROM stage` (hard links, no rewrite: the
// ~0.4 s the move of 1 M rows took after the input ended). Several parts are not attached atomically across
// a server crash, so the sink records the token and row count in `streamlake_attaches` before attaching,
// and a later attempt counts the token's rows (sink.ts landedRows): all → committed, none → write again,
// some → deleted (ALTER … DELETE, awaited) and written again.
import { randomBytes, createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { faultPoint } from '../../runtime/faults.ts';
import { clickhouse, clickhouseJson, ClickHouseError, serverMessage, type ClickHouseEndpoint } from './http.ts';
import { quoteIdent, quoteString } from './sql.ts';

/** `<table>_streamlake_stage_<pipeline and node hash>_`: the stage tables of one sink node. */
export function stagePrefix(table: string, pipeline: string, node: string): string {
  const tag = createHash('sha256').update(`${pipeline}\0${node}`).digest('hex').slice(0, 10);
  return `${table}_streamlake_stage_${tag}_`;
}

export function newStageName(prefix: string): string {
  return prefix + randomBytes(6).toString('hex');
}

/** Settings that make an INSERT … SELECT of `rows` rows one block. */
export function oneBlock(rows: number): Record<string, number> {
  return { min_insert_block_size_rows: rows + 1, min_insert_block_size_bytes: 0 };
}

/** Rows in a stage table (null: the table is gone, e.g. the server restarted). */
export async function stageRows(ep: ClickHouseEndpoint, stage: string, merged = false): Promise<number | null> {
  if (merged) {
    // a MergeTree stage: the active parts' row counts (18.16 reads a whole column for count())
    const [parts] = await clickhouseJson<{ n: string; tables: string }>(ep, `SELECT (SELECT sum(rows) FROM system.parts WHERE database = currentDatabase() AND table = ${quoteString(stage)} AND active) AS n, (SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ${quoteString(stage)}) AS tables`);
    return Number(parts?.tables ?? 0) === 0 ? null : Number(parts?.n ?? 0);
  }
  try {
    const rows = await clickhouseJson<{ n: string }>(ep, `SELECT count() AS n FROM ${quoteIdent(stage)}`);
    return Number(rows[0]?.n ?? 0);
  } catch (error) {
    if (error instanceof ClickHouseError && error.code === 60) return null; // UNKNOWN_TABLE
    throw error;
  }
}

/** Moves a stage's rows into the target as one block: `columns` of the target from `select` over the stage. */
export async function moveStage(ep: ClickHouseEndpoint, stage: string, table: string, columns: readonly string[], select: readonly string[], rows: number): Promise<void> {
  await clickhouse(ep, `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) SELECT ${select.join(', ')} FROM ${quoteIdent(stage)}`, { settings: oneBlock(rows), timeoutMs: 600_000 });
}

/**
 * Rows per block (= per part) of a stream into an attached stage: parts are written while rows arrive, and
 * what is left when the input ends is at most one block. With the server's default (1,048,576) a 1 M-row
 * interval was one part written after the end (0.6-3 s on the loaded machine); 131,072: 0.45-0.54 s;
 * 32,768: 0.06-0.28 s. 65,536 keeps the parts per interval fewer (the server merges them later).
 */
export const STREAM_BLOCK_ROWS = 65_536;

/** The stage of an interval that will be attached to `target`; its rows carry `batch`. */
export interface AttachTo {
  target: string;
  batchColumn: string;
  batch: string;
}

export function newBatchToken(pipeline: string, node: string): string {
  return `${pipeline}/${node}/stage-${randomBytes(8).toString('hex')}`;
}

/** Makes `stage`'s parts visible in `target` (same shape; hard links, nothing rewritten). */
export async function attachStage(ep: ClickHouseEndpoint, stage: string, target: string): Promise<void> {
  await clickhouse(ep, `ALTER TABLE ${quoteIdent(target)} ATTACH PARTITION tuple() FROM ${quoteIdent(stage)}`, { timeoutMs: 600_000 });
}

/** Drops a stage; the DROP waits for the statements still reading it (`timeoutMs`: how long at most). */
export async function dropStage(ep: ClickHouseEndpoint, stage: string, timeoutMs?: number): Promise<void> {
  await clickhouse(ep, `DROP TABLE IF EXISTS ${quoteIdent(stage)}`, timeoutMs === undefined ? {} : { timeoutMs });
}

/** Drops this sink node's stage tables a killed process left behind (except the names in `keep`). */
export async function dropStaleStages(ep: ClickHouseEndpoint, prefix: string, keep: ReadonlySet<string>): Promise<void> {
  const like = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const tables = await clickhouseJson<{ name: string }>(ep, `SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE ${quoteString(like)}`);
  for (const { name } of tables) if (name.startsWith(prefix) && !keep.has(name)) await dropStage(ep, name);
}

/** Bytes handed to the request and not yet on the socket that make the writer wait. */
const MAX_QUEUED = 16 << 20;
/**
 * A socket without progress this long ends the stream (a server that stopped reading must not hang the
 * run; an input quiet this long costs only the shortcut: the commit writes the staged rows).
 */
const IDLE_MS = 120_000;

/**
 * One stage table filled by one streamed `INSERT … FORMAT RowBinary` (chunked body) while the interval
 * runs. It never throws at its caller: a failure (server gone, a refused value) is kept, `end()` answers
 * false, and the sink writes the staged rows instead.
 */
export class StageStream {
  private request: http.ClientRequest | null = null;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private failure: Error | null = null;
  private readonly opened: Promise<void>;
  private response: Promise<void> | null = null;
  private ended: Promise<boolean> | null = null;

  /**
   * `columns`: name and type of each stage column, in the order of the RowBinary fields. `attach`: the
   * stage takes the target's shape (a MergeTree, rows carrying `attach.batch`) instead of a Memory table.
   */
  constructor(private readonly endpoint: () => Promise<ClickHouseEndpoint>, readonly name: string, columns: readonly { name: string; type: string }[], readonly attach: AttachTo | null = null) {
    this.opened = this.open(columns).catch((error: unknown) => this.fail(error));
  }

  get failed(): Error | null {
    return this.failure;
  }

  write(chunk: Buffer): void {
    if (this.failure || chunk.length === 0) return;
    if (this.request) {
      this.request.write(chunk);
      // crash tests die here: part of the interval is on its way to the stage, the body not ended
      faultPoint('clickhouse.mid-stream');
    } else {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
  }

  /** Resolves once the request (or the queue before it opened) has room again. */
  async drained(): Promise<void> {
    if (this.failure) return;
    if (!this.request) {
      if (this.queued > MAX_QUEUED) await this.opened;
      return;
    }
    const request = this.request;
    if (request.destroyed || request.writableLength <= MAX_QUEUED) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        request.off('drain', done);
        request.off('close', done);
        resolve();
      };
      request.on('drain', done);
      request.on('close', done);
    });
  }

  /** Ends the body; true once the server took every row (idempotent). */
  end(): Promise<boolean> {
    this.ended ??= (async () => {
      await this.opened;
      if (this.failure || !this.request || !this.response) return false;
      this.request.end();
      await this.response.catch((error: unknown) => this.fail(error));
      return this.failure === null;
    })();
    return this.ended;
  }

  /** Stops sending (when still sending) and drops the table. */
  async drop(): Promise<void> {
    if (!this.ended) this.fail(new Error('stage dropped'));
    this.request?.destroy();
    await this.opened;
    try {
      await dropStage(await this.endpoint(), this.name);
    } catch {
      // best effort: the next run drops stage tables left behind (dropStaleStages)
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.queue.length = 0;
    this.queued = 0;
  }

  private async open(columns: readonly { name: string; type: string }[]): Promise<void> {
    const ep = await this.endpoint();
    const stage = quoteIdent(this.name);
    const params = new URLSearchParams();
    if (this.attach) {
      // the target's shape (what ATTACH PARTITION … FROM checks: columns, their types, the keys; not
      // defaults), the batch column filled by its default; the columns the rows lack get theirs
      await clickhouse(ep, `CREATE TABLE ${stage} AS ${quoteIdent(this.attach.target)}`);
      await clickhouse(ep, `ALTER TABLE ${stage} MODIFY COLUMN ${quoteIdent(this.attach.batchColumn)} String DEFAULT ${quoteString(this.attach.batch)}`);
      params.set('max_insert_block_size', String(STREAM_BLOCK_ROWS));
    } else {
      await clickhouse(ep, `CREATE TABLE ${stage} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')}) ENGINE = Memory`);
    }
    if (this.failure) return;
    if (ep.database) params.set('database', ep.database);
    params.set('query', `INSERT INTO ${stage} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FORMAT RowBinary`);
    const url = new URL(`${ep.url.replace(/\/+$/, '')}/?${params.toString()}`);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { 'X-ClickHouse-User': ep.user, 'X-ClickHouse-Key': ep.password ?? '', 'Content-Type': 'application/octet-stream' },
    });
    this.response = new Promise<void>((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (response) => {
        const parts: Buffer[] = [];
        response.on('data', (d: Buffer) => parts.push(d));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode === 200) return resolve();
          const { code, message } = serverMessage(Buffer.concat(parts).toString('utf8'));
          reject(new ClickHouseError(message, code, response.statusCode ?? null));
        });
      });
    });
    request.setTimeout(IDLE_MS, () => {
      this.fail(new Error(`no progress on the stream into ${this.name} for ${IDLE_MS / 1000} s`));
      request.destroy();
    });
    // an answer before the body ends is an error (a refused value): stop sending
    this.response.catch((error: unknown) => {
      this.fail(error);
      request.destroy();
    });
    this.request = request;
    for (const chunk of this.queue) request.write(chunk);
    this.queue.length = 0;
    this.queued = 0;
  }
}
