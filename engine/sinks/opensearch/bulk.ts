// The `_bulk` bodies of the OpenSearch sink, built in bounded chunks: an `index` action per row under its
// document id and a `delete` per retracted key, at most `actions` actions or about `bytes` bytes a request.
// Appends are built as the staged rows are read back (`Staging.parts`), so a commit holds at most the
// chunks in flight and the one built ahead, whatever the checkpoint interval (held.ts).
import type { CompiledExpression } from '../../expr/expression.ts';
import type { Row } from '../../runtime/types.ts';
import type { RowGauge, RowFold } from '../held.ts';
import type { StagedRows } from '../staging.ts';
import { documentJson, expressionId, legacyPositionId, MappingFold, nodeTag, positionId, widens } from './mapping.ts';

/** One action of a commit's bulk: a row to index under an id, or an id to delete. */
export interface Action {
  id: string;
  row?: Row;
}

export interface Chunk {
  actions: Action[];
  body: string;
}

export interface BulkLimits {
  /** Actions a request carries at most. */
  actions: number;
  /** About this many bytes (UTF-16 code units) a request carries at most (servers take 100 MB). */
  bytes: number;
  /** Requests of one commit in flight at once. */
  inFlight: number;
}

export const BULK_LIMITS: BulkLimits = { actions: 5000, bytes: 8 * 1024 * 1024, inFlight: 2 };

/** An append's document id, or why it has none (the row goes to the error port). */
export type AppendId = (row: Row, segment: number, position: number) => string | { refused: string };

/**
 * Appends' document ids: the `id` expression's value (`text` is the expression as configured, for the
 * reasons), or the node tag, checkpoint and position of the staged row (positionId), which a replay of
 * that checkpoint repeats exactly; `legacy` gives pipeline/node/checkpoint/position instead (a checkpoint
 * an older version may have half written, see sink.ts).
 */
export function appendIds(pipeline: string, node: string, expr?: { compiled: CompiledExpression; text: string }, legacy = false): AppendId {
  if (!expr && legacy) return (_row, segment, position) => legacyPositionId(pipeline, node, segment, position);
  const tag = nodeTag(pipeline, node);
  if (!expr) return (_row, segment, position) => positionId(tag, segment, position);
  return (row) => {
    let id: string | null;
    try {
      id = expressionId(expr.compiled.evaluate(row));
    } catch (error) {
      return { refused: `the document id expression "${expr.text}" failed: ${(error as Error).message}` };
    }
    return id ?? { refused: `the document id expression "${expr.text}" gave no value (null or empty) for this row` };
  };
}

/** Fills chunks action by action; a chunk is done at `limits.actions` actions or `limits.bytes`. */
export class ChunkBuilder {
  private readonly target: string;
  private actions: Action[] = [];
  private parts: string[] = [];
  private bytes = 0;

  constructor(index: string, private readonly limits: Pick<BulkLimits, 'actions' | 'bytes'>) {
    this.target = `"_index":${JSON.stringify(index)}`;
  }

  /** Adds an action; returns the chunk it completed, if it did. */
  push(action: Action): Chunk | null {
    const line = action.row
      ? `{"index":{${this.target},"_id":${JSON.stringify(action.id)}}}\n${documentJson(action.row)}\n`
      : `{"delete":{${this.target},"_id":${JSON.stringify(action.id)}}}\n`;
    this.actions.push(action);
    this.parts.push(line);
    this.bytes += line.length;
    return this.actions.length >= this.limits.actions || this.bytes >= this.limits.bytes ? this.take() : null;
  }

  /** The last, partly filled chunk (null when empty). */
  end(): Chunk | null {
    return this.actions.length > 0 ? this.take() : null;
  }

  private take(): Chunk {
    const out = { actions: this.actions, body: this.parts.join('') };
    this.actions = [];
    this.parts = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * The items of `source` with the next one made as soon as the one before is handed out: a worker that
 * finishes its request finds its next chunk ready instead of leaving its slot idle while it is read and
 * built (the bound grows by that one chunk). `close` ends the source (its staged file) after a failure.
 */
export function oneAhead<T>(source: AsyncIterator<T> | Iterator<T>): { next(): Promise<IteratorResult<T>>; close(): Promise<void> } {
  const settle = (p: Promise<unknown>): void => {
    p.catch(() => undefined); // seen by whoever takes it; never an unhandled rejection meanwhile
  };
  let pending: Promise<IteratorResult<T>> = Promise.resolve().then(() => source.next());
  settle(pending);
  return {
    next() {
      const mine = pending;
      pending = mine.then((r) => (r.done ? r : source.next()));
      settle(pending);
      return mine;
    },
    async close() {
      await pending.catch(() => undefined);
      await source.return?.();
    },
  };
}

/** Bulk bodies of these actions, one chunk at a time. */
export function* chunksOf(actions: Iterable<Action>, index: string, limits: Pick<BulkLimits, 'actions' | 'bytes'>, gauge?: RowGauge): Generator<Chunk> {
  const builder = new ChunkBuilder(index, limits);
  for (const action of actions) {
    gauge?.add(1);
    const done = builder.push(action);
    if (done) yield done;
  }
  const last = builder.end();
  if (last) yield last;
}

/**
 * Bulk bodies of staged appends as they are read: each row under `idOf` (rows without an id go to
 * `refuse`), one chunk at a time. `gauge` counts the actions built; the sender drops a chunk's once it
 * is acknowledged.
 */
export async function* appendChunks(parts: AsyncIterable<StagedRows>, idOf: AppendId, refuse: (row: Row, reason: string) => void, index: string, limits: Pick<BulkLimits, 'actions' | 'bytes'>, gauge?: RowGauge): AsyncGenerator<Chunk> {
  const builder = new ChunkBuilder(index, limits);
  for await (const part of parts) {
    const rows = part.rows;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const id = idOf(row, part.segment, part.position + i);
      if (typeof id !== 'string') {
        refuse(row, id.refused);
        continue;
      }
      gauge?.add(1);
      const done = builder.push({ id, row });
      if (done) yield done;
    }
  }
  const last = builder.end();
  if (last) yield last;
}

/**
 * The mapping of the appends that get a document id (rows refused for their id are not mapped). Whether a
 * row gets an id (the `id` expression, evaluated again as the commit sends it) is asked only while no row
 * had one and of rows that would widen the mapping: for any other row the answer changes nothing here, so
 * the expression runs about once per row instead of twice.
 */
export class DocumentFold implements RowFold {
  readonly mapping = new MappingFold();
  /** A row with a document id arrived: if none did, the commit sends nothing (nor creates the index). */
  any = false;

  constructor(private readonly accept: (row: Row) => boolean) {}

  add(rows: readonly Row[]): void {
    for (const row of rows) {
      if (this.any && !widens(this.mapping.fields, row)) continue;
      if (!this.accept(row)) continue;
      this.mapping.add(row);
      this.any = true;
    }
  }
}
