// Staging files for the database sinks' pending work: the rows (and retracted keys) since the last barrier
// go to `<home>/pending/<pipeline>/<node>/chk-<N>-<uuid>.v8`, fsynced with its folder at prepare(N), and
// the checkpoint file only names it. Writing the rows into chk-N.json instead cost ~5 s and ~450 MB for
// 300 k rows (bench file-append-postgres). A commit reads the files back, and deletes them once the target
// holds them; the first prepare of a run deletes files no pending segment names (a crash before the
// checkpoint that would have named them).
//
// Two ways in: `write(segment)` stages a whole segment at prepare (one v8 blob: Dates and byte arrays
// survive); `append(part)` on every write() and `seal(id)` at prepare stage it as it arrives, so the
// encoding and the disk writes happen while the input is read, the sink need not hold the rows until the
// barrier (no large old-generation heap for the GC to walk), and prepare only has to fsync. The file is
// `open-<uuid>.v8` until sealed; an unsealed file is never named by a checkpoint, so a crash leaves it to
// the sweep.
//
// An appended file is `SLSTAGE2` and records, each `[u32 LE length][kind][body]`: kind 1 is a batch's
// part as v8 (rows, retracts, upsert key); kind 2 is a batch of appends the sink had already encoded for
// its target (`[u32 LE header length][header JSON][bytes]`, header `{codec, rows, meta}`), staged as those
// bytes instead of serialising the rows a second time: v8 serialisation was the largest single cost of
// the PostgreSQL sink at bulk rates (~0.7 µs a row). The sink's codec reads them back into rows, and
// `readEncoded` gives a restore the bytes themselves. Files of the first append format (`SLSTAGE1`, v8
// records only) are still read.
//
// `parts` reads staged segments back record by record (one batch at a time), for a commit that sends
// them in chunks: its memory does not grow with the checkpoint interval (`read` returns whole segments).
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import type { Segment } from './pending.ts';

/** One record of a staged segment read back by `parts`: its rows start at `position` in the segment. */
export interface StagedRows {
  segment: number;
  position: number;
  rows: Row[];
  upsertKey?: string[];
  retracts: { position: number; keys: Row[] }[];
}

/** What the checkpoint keeps per staged segment. */
export interface StagedRef {
  id: number;
  file: string;
  rows: number;
}

interface StagedFile {
  rows: Row[];
  upsertKey?: string[];
  retracts: { position: number; keys: Row[] }[];
}

/** One batch's part of a segment; retract positions count the rows of the whole segment before them. */
export interface StagedPart {
  rows: readonly Row[];
  upsertKey?: readonly string[];
  retracts?: readonly { position: number; keys: readonly Row[] }[];
}

/**
 * A batch of appends the sink already encoded for its target, staged as those bytes: `meta` (JSON) is what
 * its codec needs to read them back into exactly the rows (column names, types).
 */
export interface StagedEncoding {
  meta: unknown;
  bytes: Buffer;
  rows: number;
}

/** Reads a sink's encoded records back into rows (a restore, or a commit that needs the rows themselves). */
export interface StagingCodec {
  /** Written into every record and checked when read. */
  readonly name: string;
  /** Throws when the bytes are not `rows` rows of this meta. */
  decode(meta: unknown, bytes: Buffer, rows: number): Row[];
}

/** A staged file's encoded records, for a sink that can use the bytes as they are. */
export interface EncodedRecord {
  meta: unknown;
  bytes: Buffer;
  rows: number;
}

/** First bytes of a file staged by append() before encoded records (length-prefixed v8 records only). */
const MAGIC_V8 = Buffer.from('SLSTAGE1');
/** First bytes of a file staged by append(): records of a kind each. */
const MAGIC = Buffer.from('SLSTAGE2');
const RECORD_ROWS = 1;
const RECORD_ENCODED = 2;
/** Serialised bytes not yet written that make append() wait for the disk. */
const MAX_UNWRITTEN = 16 << 20;
/**
 * Bytes written since the last background fdatasync that start the next one. Without it the whole
 * interval's file is dirty in the page cache at prepare, and its fsync flushes all of it. Seal after
 * 1 M ClickHouse-like rows (~90 MB in 1024-row batches, the event loop busy ~1.5 µs a row; load 7-12 on
 * 2 cores, Dec 2026): a write per piece, no background sync 79-340 ms (34-71 ms CPU); one writev per
 * queue 50-83 ms; with this fdatasync 8-79 ms (3-10 ms CPU). 4 or 16 MiB measured no different.
 */
const SYNC_EVERY = 8 << 20;

/** How the file is flushed: fdatasync in the background while appending, fsync at seal (tests inject it). */
export interface StagingSync {
  datasync(handle: FileHandle): Promise<void>;
  sync(handle: FileHandle): Promise<void>;
}

export interface StagingOptions {
  /** Bytes written that start a background fdatasync (SYNC_EVERY). */
  syncEvery?: number;
  sync?: StagingSync;
}

const diskSync: StagingSync = {
  datasync: (handle) => handle.datasync(),
  sync: (handle) => handle.sync(),
};

interface OpenFile {
  file: string;
  handle: Promise<FileHandle>;
  /** The chain of writes so far (each write after the one before). */
  written: Promise<void>;
  /** Record pieces not yet taken by a write: appends while a write runs go out together in the next one. */
  queue: Buffer[];
  /** A write that will take the queue is on the chain and has not started yet. */
  scheduled: boolean;
  unwritten: number;
  /** Written since the last background fdatasync started. */
  unsynced: number;
  /** The background fdatasync in flight, if any. */
  syncing: Promise<void> | null;
  rows: number;
  failed: Error | null;
}

export class Staging {
  readonly dir: string;
  private swept = false;
  /** Segments this process staged and still holds: a commit in the same run needs no file read. */
  private readonly held = new Map<string, Segment>();
  private current: OpenFile | null = null;
  private readonly syncEvery: number;
  private readonly disk: StagingSync;

  /** @param codec reads the sink's encoded records back (without one, append() stages rows only) */
  constructor(homeDir: string, pipeline: string, node: string, private readonly codec?: StagingCodec, options: StagingOptions = {}) {
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
    this.dir = path.join(path.resolve(homeDir), 'pending', safe(pipeline), safe(node));
    this.syncEvery = options.syncEvery ?? SYNC_EVERY;
    this.disk = options.sync ?? diskSync;
  }

  async write(segment: Segment): Promise<StagedRef> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `chk-${segment.id}-${randomUUID()}.v8`);
    const staged: StagedFile = { rows: segment.rows, retracts: segment.retracts, ...(segment.upsertKey ? { upsertKey: segment.upsertKey } : {}) };
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(serialize(staged));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.syncFolder();
    this.held.set(file, segment);
    return { id: segment.id, file, rows: segment.rows.length };
  }

  /** Rows staged by append() since the last seal. */
  get appended(): number {
    return this.current?.rows ?? 0;
  }

  /**
   * Adds one batch to the file of the coming checkpoint (created on first use). Encodes now and writes in
   * the background; waits only when much is not written yet. `encoded`, the batch as the sink already
   * encoded it (appends only), is staged instead of the rows. What queues while a write runs goes out in
   * one writev (a write per piece kept ~100 ms of writes queued at the end of a 1 M-row input on a busy
   * event loop), and every `syncEvery` bytes written start an fdatasync in the background, so that seal's
   * fsync has little left to flush.
   */
  async append(part: StagedPart, encoded?: StagedEncoding): Promise<void> {
    if (part.rows.length === 0 && (part.retracts ?? []).length === 0) return;
    let current = this.current;
    if (!current) {
      await mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, `open-${randomUUID()}.v8`);
      const handle = Promise.resolve(await open(file, 'wx'));
      current = { file, handle, written: Promise.resolve(), queue: [MAGIC], scheduled: false, unwritten: MAGIC.length, unsynced: 0, syncing: null, rows: 0, failed: null };
      this.current = current;
    }
    const target = current;
    const useEncoded = encoded && this.codec && encoded.rows === part.rows.length && !part.upsertKey && (part.retracts ?? []).length === 0;
    const pieces = useEncoded ? encodedRecord(this.codec.name, encoded) : rowsRecord(part);
    for (const piece of pieces) {
      target.queue.push(piece);
      target.unwritten += piece.length;
    }
    target.rows += part.rows.length;
    if (!target.scheduled) {
      target.scheduled = true;
      target.written = target.written.then(() => this.flush(target)).catch((error: unknown) => {
        target.failed ??= error as Error;
      });
    }
    if (target.unwritten > MAX_UNWRITTEN) await target.written;
    if (target.failed) throw target.failed;
  }

  /** One link of the write chain: everything queued so far in one writev, then maybe a background fdatasync. */
  private async flush(target: OpenFile): Promise<void> {
    // appends from here on queue for the next link
    target.scheduled = false;
    const handle = await target.handle;
    const pieces = target.queue;
    target.queue = [];
    if (pieces.length === 0 || target.failed) return;
    const size = await writeAll(handle, pieces);
    target.unwritten -= size;
    target.unsynced += size;
    if (target.unsynced >= this.syncEvery && !target.syncing) {
      target.unsynced = 0;
      // a failed fdatasync may have dropped the dirty pages (a later fsync can then succeed without
      // them), so it fails the file: seal throws and the checkpoint is not taken
      target.syncing = this.disk.datasync(handle).catch((error: unknown) => {
        target.failed ??= error as Error;
      }).finally(() => {
        target.syncing = null;
      });
    }
  }

  /**
   * Prepare: makes what append() staged durable under the checkpoint's name (fsync of the file, rename,
   * fsync of the folder). `hold` is what the sink keeps in memory for a commit in this run (then the
   * file is not read). Null when nothing was appended.
   */
  async seal(id: number, hold?: Segment): Promise<StagedRef | null> {
    const current = this.current;
    if (!current) return null;
    this.current = null;
    await current.written;
    await current.syncing;
    const handle = await current.handle;
    try {
      if (current.failed) throw current.failed;
      // also what was written after the last background fdatasync started, and the file's size
      await this.disk.sync(handle);
    } finally {
      await handle.close();
    }
    const file = path.join(this.dir, `chk-${id}-${path.basename(current.file).slice('open-'.length)}`);
    await rename(current.file, file);
    await this.syncFolder();
    if (hold) this.held.set(file, hold);
    return { id, file, rows: current.rows };
  }

  /** Drops an unsealed file (close without a checkpoint: its rows are replayed by the next run). */
  async discard(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = null;
    await current.written;
    await current.syncing;
    await (await current.handle.catch(() => null))?.close().catch(() => undefined);
    await rm(current.file, { force: true });
  }

  async read(refs: readonly StagedRef[], node: string): Promise<Segment[]> {
    const out: Segment[] = [];
    for (const ref of refs) {
      const held = this.held.get(ref.file);
      if (held) {
        out.push(held);
        continue;
      }
      const staged = await this.load(ref, node, (records) => decodeStaged(records, this.codec));
      if (!staged || !Array.isArray(staged.rows) || !Array.isArray(staged.retracts) || staged.rows.length !== ref.rows) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": ${ref.file} does not hold the ${ref.rows} staged rows of checkpoint ${ref.id}`, { node, file: ref.file });
      }
      out.push({ id: ref.id, rows: staged.rows, retracts: staged.retracts, ...(staged.upsertKey ? { upsertKey: staged.upsertKey } : {}) });
    }
    return out;
  }

  /**
   * The staged rows of these segments, one record (a batch as it was appended) at a time, in order: the
   * file is read as the caller asks for more, so only the current record is in memory. A segment this
   * process holds, or one staged whole by write(), comes as one part. Retract positions count the rows
   * of the whole segment before them, as in `read`. The row count is checked against the checkpoint's
   * at the end of each segment (ENG_RUN_CHECKPOINT), after its rows were handed out.
   */
  async *parts(refs: readonly StagedRef[], node: string): AsyncGenerator<StagedRows> {
    for (const ref of refs) {
      const held = this.held.get(ref.file);
      if (held) {
        yield { segment: ref.id, position: 0, rows: held.rows, retracts: held.retracts, ...(held.upsertKey ? { upsertKey: held.upsertKey } : {}) };
        continue;
      }
      let position = 0;
      let handle: FileHandle | null = null;
      const fail = (error: unknown): EngineError => {
        const code = error instanceof EngineError && error.code === 'ENG_STAGING_CODEC' ? error.code : 'ENG_RUN_CHECKPOINT';
        return new EngineError(code, `sink "${node}": staged rows of checkpoint ${ref.id} cannot be read from ${ref.file}: ${(error as Error).message}`, { node, file: ref.file }, { cause: error });
      };
      try {
        let reader: RecordReader;
        try {
          handle = await open(ref.file, 'r');
          reader = await RecordReader.open(handle);
        } catch (error) {
          throw fail(error);
        }
        for (;;) {
          let part: StagedFile | null;
          try {
            part = await reader.next(this.codec);
          } catch (error) {
            throw fail(error);
          }
          if (part === null) break;
          if (!Array.isArray(part.rows) || !Array.isArray(part.retracts)) throw fail(new Error('a record is not a staged part'));
          yield { segment: ref.id, position, rows: part.rows, retracts: part.retracts, ...(part.upsertKey ? { upsertKey: part.upsertKey } : {}) };
          position += part.rows.length;
        }
      } finally {
        await handle?.close().catch(() => undefined);
      }
      if (position !== ref.rows) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": ${ref.file} does not hold the ${ref.rows} staged rows of checkpoint ${ref.id}`, { node, file: ref.file });
      }
    }
  }

  /**
   * A staged file's records when every one is an encoded record of this sink's codec (the bytes as the
   * sink wrote them, for a restore to send as they are); null when it holds rows too, or nothing, or
   * when this process holds the segment's rows in memory (windowed output: not read from disk for nothing).
   */
  async readEncoded(ref: StagedRef, node: string): Promise<EncodedRecord[] | null> {
    if (this.held.has(ref.file)) return null;
    const found = await this.load(ref, node, (bytes) => {
      const all = records(bytes);
      if (all === null || all.length === 0) return null;
      const out: EncodedRecord[] = [];
      for (const r of all) {
        if (r.kind !== RECORD_ENCODED) return null;
        const e = encodedOf(r.body, this.codec);
        out.push({ meta: e.meta, bytes: e.bytes, rows: e.rows });
      }
      return out;
    });
    if (found && found.reduce((n, r) => n + r.rows, 0) !== ref.rows) {
      throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": ${ref.file} does not hold the ${ref.rows} staged rows of checkpoint ${ref.id}`, { node, file: ref.file });
    }
    return found;
  }

  private async load<T>(ref: StagedRef, node: string, decode: (bytes: Buffer) => T): Promise<T> {
    try {
      return decode(await readFile(ref.file));
    } catch (error) {
      const code = error instanceof EngineError && error.code === 'ENG_STAGING_CODEC' ? error.code : 'ENG_RUN_CHECKPOINT';
      throw new EngineError(code, `sink "${node}": staged rows of checkpoint ${ref.id} cannot be read from ${ref.file}: ${(error as Error).message}`, { node, file: ref.file }, { cause: error });
    }
  }

  async remove(refs: readonly StagedRef[]): Promise<void> {
    for (const ref of refs) {
      this.held.delete(ref.file);
      await rm(ref.file, { force: true });
    }
  }

  private async syncFolder(): Promise<void> {
    const folder = await open(this.dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  /**
   * Once per run, at the first prepare: files no pending segment names are left over from a crash (the
   * file append() is filling is kept).
   */
  async sweep(keep: readonly StagedRef[]): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const kept = new Set(keep.map((r) => path.basename(r.file)));
    if (this.current) kept.add(path.basename(this.current.file));
    for (const name of names) if (!kept.has(name)) await rm(path.join(this.dir, name), { force: true });
  }
}

/** Writes the pieces in order at the file's position (writev, again from where a short write stopped); returns the bytes. */
export async function writeAll(handle: Pick<FileHandle, 'writev'>, pieces: Buffer[]): Promise<number> {
  const size = pieces.reduce((n, b) => n + b.length, 0);
  let rest = pieces;
  let left = size;
  while (left > 0) {
    const { bytesWritten } = await handle.writev(rest);
    if (bytesWritten <= 0) throw new Error(`the staging file took no bytes (${left} left to write)`);
    left -= bytesWritten;
    if (left === 0) break;
    let skip = bytesWritten;
    let i = 0;
    while (skip >= (rest[i] as Buffer).length) skip -= (rest[i++] as Buffer).length;
    rest = [(rest[i] as Buffer).subarray(skip), ...rest.slice(i + 1)];
  }
  return size;
}

/** A part as a v8 record. */
function rowsRecord(part: StagedPart): Buffer[] {
  const body = serialize({ rows: part.rows, retracts: part.retracts ?? [], ...(part.upsertKey ? { upsertKey: part.upsertKey } : {}) });
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32LE(body.length + 1, 0);
  head[4] = RECORD_ROWS;
  return [head, body];
}

/** An encoded batch as a record: its header, then its bytes as they are (no copy). */
function encodedRecord(codec: string, encoded: StagedEncoding): Buffer[] {
  const header = JSON.stringify({ codec, rows: encoded.rows, meta: encoded.meta });
  const length = Buffer.byteLength(header);
  const head = Buffer.allocUnsafe(9 + length);
  head.writeUInt32LE(1 + 4 + length + encoded.bytes.length, 0);
  head[4] = RECORD_ENCODED;
  head.writeUInt32LE(length, 5);
  head.write(header, 9);
  return [head, encoded.bytes];
}

/** The records of an appended file (SLSTAGE2; SLSTAGE1 files as rows records), or null for a v8 blob. */
function records(bytes: Buffer): { kind: number; body: Buffer }[] | null {
  const old = bytes.subarray(0, MAGIC_V8.length).equals(MAGIC_V8);
  if (!old && !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const out: { kind: number; body: Buffer }[] = [];
  let at = MAGIC.length;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new Error('the file ends inside a record header');
    const length = bytes.readUInt32LE(at);
    if (at + 4 + length > bytes.length) throw new Error('the file ends inside a record');
    const body = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (old) out.push({ kind: RECORD_ROWS, body });
    else if (length < 1) throw new Error('a record without its kind');
    else out.push({ kind: body[0] as number, body: body.subarray(1) });
  }
  return out;
}

function encodedOf(body: Buffer, codec: StagingCodec | undefined): { meta: unknown; bytes: Buffer; rows: number; codec: string } {
  if (body.length < 4 || 4 + body.readUInt32LE(0) > body.length) throw new Error('an encoded record is cut short');
  const length = body.readUInt32LE(0);
  const header = JSON.parse(body.toString('utf8', 4, 4 + length)) as { codec?: unknown; rows?: unknown; meta?: unknown };
  if (typeof header.codec !== 'string' || !Number.isInteger(header.rows)) throw new Error('an encoded record has no codec or row count');
  if (!codec || codec.name !== header.codec) {
    throw new EngineError('ENG_STAGING_CODEC', `the staged rows are encoded as ${header.codec}, which this sink does not read${codec ? ` (it reads ${codec.name})` : ''}`);
  }
  return { meta: header.meta, bytes: body.subarray(4 + length), rows: header.rows as number, codec: header.codec };
}

/** One record as a staged part: encoded ones read back by the codec, v8 ones deserialised. */
function decodeRecord(kind: number, body: Buffer, codec: StagingCodec | undefined): StagedFile {
  if (kind === RECORD_ENCODED) {
    const e = encodedOf(body, codec);
    return { rows: (codec as StagingCodec).decode(e.meta, e.bytes, e.rows), retracts: [] };
  }
  if (kind !== RECORD_ROWS) throw new Error(`a record of unknown kind ${kind}`);
  const part = deserialize(body) as StagedFile;
  if (!part || !Array.isArray(part.rows) || !Array.isArray(part.retracts)) throw new Error('a record is not a staged part');
  return part;
}

/** A staged file: one v8 blob (write()), or the records of append() with encoded ones read back by the codec. */
function decodeStaged(bytes: Buffer, codec: StagingCodec | undefined): StagedFile {
  const all = records(bytes);
  if (all === null) return deserialize(bytes) as StagedFile;
  const out: StagedFile = { rows: [], retracts: [] };
  for (const record of all) {
    const part = decodeRecord(record.kind, record.body, codec);
    // retract positions count the rows of the whole segment before them
    for (const row of part.rows) out.rows.push(row);
    for (const r of part.retracts) out.retracts.push(r);
    if (part.upsertKey && !out.upsertKey) out.upsertKey = part.upsertKey;
  }
  return out;
}

/**
 * Reads a staged file's records one at a time from an open file (SLSTAGE2, SLSTAGE1); a file without
 * either is a v8 blob (write()) and comes as one part.
 */
class RecordReader {
  private at = 0;
  private blob: Buffer | null = null;
  private done = false;

  private constructor(private readonly handle: FileHandle, private readonly old: boolean) {}

  static async open(handle: FileHandle): Promise<RecordReader> {
    const magic = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(magic, 0, magic.length, 0);
    const head = magic.subarray(0, bytesRead);
    const old = head.equals(MAGIC_V8);
    const reader = new RecordReader(handle, old);
    if (old || head.equals(MAGIC)) reader.at = MAGIC.length;
    else reader.blob = await handle.readFile();
    return reader;
  }

  /** The next record as a staged part, or null at the end of the file. */
  async next(codec: StagingCodec | undefined): Promise<StagedFile | null> {
    if (this.done) return null;
    if (this.blob) {
      this.done = true;
      return deserialize(this.blob) as StagedFile;
    }
    const head = Buffer.alloc(4);
    const got = await this.read(head);
    if (got === 0) {
      this.done = true;
      return null;
    }
    if (got < 4) throw new Error('the file ends inside a record header');
    const length = head.readUInt32LE(0);
    const body = Buffer.allocUnsafe(length);
    if (await this.read(body) < length) throw new Error('the file ends inside a record');
    if (this.old) return decodeRecord(RECORD_ROWS, body, codec);
    if (length < 1) throw new Error('a record without its kind');
    return decodeRecord(body[0] as number, body.subarray(1), codec);
  }

  private async read(into: Buffer): Promise<number> {
    let filled = 0;
    while (filled < into.length) {
      const { bytesRead } = await this.handle.read(into, filled, into.length - filled, this.at);
      if (bytesRead === 0) break;
      filled += bytesRead;
      this.at += bytesRead;
    }
    return filled;
  }
}

/** The staged refs of a pending state read back from a checkpoint file. */
export function pendingRefs(pending: unknown, format: string, node: string): StagedRef[] {
  if (pending === null || pending === undefined) return [];
  const p = pending as { format?: unknown; segments?: unknown };
  const ok = typeof p === 'object' && p.format === format && Array.isArray(p.segments)
    && (p.segments as Partial<StagedRef>[]).every((s) => typeof s === 'object' && s !== null && Number.isInteger(s.id) && typeof s.file === 'string' && Number.isInteger(s.rows));
  if (!ok) throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": the pending state in the checkpoint is not this sink's (${format})`, { node });
  return p.segments as StagedRef[];
}
