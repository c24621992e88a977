// Staging files for the database sinks' pending work: the rows (and retracted keys) since the last barrier
// go to `<home>/pending/<pipeline>/<node>/chk-<N>-<uuid>.v8` (v8 serialisation: Dates and byte arrays
// survive), fsynced with its folder at prepare(N), and the checkpoint file only names it. Writing the rows
// into chk-N.json instead cost ~5 s and ~450 MB for 300 k rows (bench file-append-postgres). A commit
// reads the files back, and deletes them once the target holds them; the first prepare of a run deletes
// files no pending segment names (a crash before the checkpoint that would have named them).
//
// Two ways in: `write(segment)` stages a whole segment at prepare; `append(part)` on every write() and
// `seal(id)` at prepare stage it as it arrives (records of one batch each, behind an 8-byte magic), so the
// serialisation and the disk writes happen while the input is read, the sink need not hold the rows
// until the barrier (no large old-generation heap for the GC to walk), and prepare only has to fsync.
// The file is `open-<uuid>.v8` until sealed; an unsealed file is never named by a checkpoint, so a
// crash leaves it to the sweep.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import type { Segment } from './pending.ts';

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

/** First bytes of a file staged by append(): length-prefixed v8 records follow. */
const MAGIC = Buffer.from('SLSTAGE1');
/** Serialised bytes not yet written that make append() wait for the disk. */
const MAX_UNWRITTEN = 64 << 20;

interface OpenFile {
  file: string;
  handle: Promise<FileHandle>;
  /** The chain of writes so far (each record written after the one before). */
  written: Promise<void>;
  unwritten: number;
  rows: number;
  failed: Error | null;
}

export class Staging {
  readonly dir: string;
  private swept = false;
  /** Segments this process staged and still holds: a commit in the same run needs no file read. */
  private readonly held = new Map<string, Segment>();
  private current: OpenFile | null = null;

  constructor(homeDir: string, pipeline: string, node: string) {
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
    this.dir = path.join(path.resolve(homeDir), 'pending', safe(pipeline), safe(node));
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
   * Adds one batch to the file of the coming checkpoint (created on first use). Serialises now and
   * writes in the background; waits only when much is not written yet.
   */
  async append(part: StagedPart): Promise<void> {
    if (part.rows.length === 0 && (part.retracts ?? []).length === 0) return;
    let current = this.current;
    if (!current) {
      await mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, `open-${randomUUID()}.v8`);
      const handle = Promise.resolve(await open(file, 'wx'));
      current = { file, handle, written: handle.then((h) => h.writeFile(MAGIC)).then(() => undefined), unwritten: 0, rows: 0, failed: null };
      this.current = current;
    }
    const target = current;
    const body = serialize({ rows: part.rows, retracts: part.retracts ?? [], ...(part.upsertKey ? { upsertKey: part.upsertKey } : {}) });
    const record = Buffer.allocUnsafe(4 + body.length);
    record.writeUInt32LE(body.length, 0);
    body.copy(record, 4);
    target.rows += part.rows.length;
    target.unwritten += record.length;
    target.written = target.written.then(async () => {
      await (await target.handle).writeFile(record);
      target.unwritten -= record.length;
    }).catch((error: unknown) => {
      target.failed ??= error as Error;
    });
    if (target.unwritten > MAX_UNWRITTEN) await target.written;
    if (target.failed) throw target.failed;
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
    const handle = await current.handle;
    try {
      if (current.failed) throw current.failed;
      await handle.sync();
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
      let staged: StagedFile;
      try {
        staged = decodeStaged(await readFile(ref.file));
      } catch (error) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": staged rows of checkpoint ${ref.id} cannot be read from ${ref.file}: ${(error as Error).message}`, { node, file: ref.file });
      }
      if (!staged || !Array.isArray(staged.rows) || !Array.isArray(staged.retracts) || staged.rows.length !== ref.rows) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": ${ref.file} does not hold the ${ref.rows} staged rows of checkpoint ${ref.id}`, { node, file: ref.file });
      }
      out.push({ id: ref.id, rows: staged.rows, retracts: staged.retracts, ...(staged.upsertKey ? { upsertKey: staged.upsertKey } : {}) });
    }
    return out;
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

/** A staged file: one v8 blob (write()) or the magic and length-prefixed records (append()). */
function decodeStaged(bytes: Buffer): StagedFile {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return deserialize(bytes) as StagedFile;
  const out: StagedFile = { rows: [], retracts: [] };
  let at = MAGIC.length;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new Error('the file ends inside a record header');
    const length = bytes.readUInt32LE(at);
    if (at + 4 + length > bytes.length) throw new Error('the file ends inside a record');
    const part = deserialize(bytes.subarray(at + 4, at + 4 + length)) as StagedFile;
    at += 4 + length;
    if (!part || !Array.isArray(part.rows) || !Array.isArray(part.retracts)) throw new Error('a record is not a staged part');
    for (const row of part.rows) out.rows.push(row);
    for (const r of part.retracts) out.retracts.push(r);
    if (part.upsertKey && !out.upsertKey) out.upsertKey = part.upsertKey;
  }
  return out;
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
