// Checkpoint files: `<dir>/chk-<id>.json`, one per completed barrier, written atomically (temp file, fsync,
// rename, fsync of the folder) so a crash leaves either the old set or the new file, never half a file.
// A file exists only once every sink has prepared: it is complete the moment it is durable, and restores
// always start from the newest one (its sink pending state is cumulative, so older files are pruned).
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { SourcePositions } from './types.ts';

export const CHECKPOINT_FORMAT = 'streamlake.checkpoint';

export interface CheckpointFile {
  format: typeof CHECKPOINT_FORMAT;
  /** 1: before the two-phase sink protocol (no `sinks`); 2: with it. */
  version: 1 | 2;
  id: number;
  pipeline: string;
  /** Clock time the barrier completed (epoch ms). */
  createdAt: number;
  /** Operator node id → its snapshot(). */
  operators: Record<string, unknown>;
  /** Source node id → its positions(). */
  sources: Record<string, SourcePositions>;
  /** Sink node id → the pending state its prepare() returned (version 2; empty when read from version 1). */
  sinks: Record<string, unknown>;
}

/** The parts of a checkpoint file; the state parts are already encoded (encodeState) at the barrier's cut. */
export interface CheckpointParts {
  id: number;
  pipeline: string;
  createdAt: number;
  operators: string;
  sources: string;
  sinks: string;
}

const fileName = /^chk-(\d+)\.json$/;

/**
 * Where a pipeline's checkpoints live unless moved: `<home>/checkpoints/<pipeline>` (the studio uses the
 * same folder, so a pipeline run from the CLI and from the studio resumes the same state). Pipeline names
 * are free text: the folder name must not escape the checkpoints folder.
 */
export function defaultCheckpointDir(homeDir: string, pipelineName: string): string {
  const safe = pipelineName.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_') || '_';
  return join(homeDir, 'checkpoints', safe);
}

/** Checkpoint ids present in `dir`, newest first (missing folder = none). */
export async function listCheckpoints(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new EngineError('ENG_RUN_CHECKPOINT', `cannot list checkpoint folder ${dir}: ${(error as Error).message}`, { dir });
  }
  const ids: number[] = [];
  for (const name of names) {
    const match = fileName.exec(name);
    if (match) ids.push(Number(match[1]));
  }
  return ids.sort((a, b) => b - a);
}

export function checkpointPath(dir: string, id: number): string {
  return join(dir, `chk-${id}.json`);
}

/**
 * The text of a version 2 checkpoint file. Operator state and positions are encoded at the barrier's
 * synchronous cut and the sinks' pending state once they prepared, so the pieces are joined as text.
 */
export function encodeCheckpoint(parts: CheckpointParts): string {
  const head = JSON.stringify({ format: CHECKPOINT_FORMAT, version: 2, id: parts.id, pipeline: parts.pipeline, createdAt: parts.createdAt });
  return `${head.slice(0, -1)},"operators":${parts.operators},"sources":${parts.sources},"sinks":${parts.sinks}}`;
}

/** Writes already-encoded checkpoint text as `chk-<id>.json`; returns the path. */
export async function writeCheckpoint(dir: string, id: number, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = checkpointPath(dir, id);
  const temp = `${target}.tmp-${process.pid}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw new EngineError('ENG_RUN_CHECKPOINT', `cannot write checkpoint ${target}: ${(error as Error).message}`, { path: target });
  }
  return target;
}

export async function readCheckpoint(dir: string, id: number): Promise<CheckpointFile> {
  const path = checkpointPath(dir, id);
  let value: unknown;
  try {
    value = decodeState(await readFile(path, 'utf8'));
  } catch (error) {
    throw new EngineError('ENG_RUN_CHECKPOINT', `cannot read checkpoint ${path}: ${(error as Error).message}`, { path });
  }
  // The file crossed a storage boundary: check its shape before anything restores from it.
  const file = value as Partial<CheckpointFile> | null;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!file || typeof file !== 'object' || file.format !== CHECKPOINT_FORMAT || (file.version !== 1 && file.version !== 2) || file.id !== id
    || !isObject(file.operators) || !isObject(file.sources) || (file.version === 2 && !isObject(file.sinks))) {
    throw new EngineError('ENG_RUN_CHECKPOINT', `checkpoint ${path} is not a streamlake checkpoint of id ${id}`, { path });
  }
  for (const [node, positions] of Object.entries(file.sources)) {
    if (!isObject(positions)) throw new EngineError('ENG_RUN_CHECKPOINT', `checkpoint ${path}: positions of source "${node}" are not an object`, { path, node });
  }
  return { ...file, sinks: file.sinks ?? {} } as CheckpointFile;
}

/** Removes checkpoint files older than `keepFrom` (a durable newer file supersedes them: restores read only the newest). */
export async function pruneCheckpoints(dir: string, keepFrom: number): Promise<void> {
  for (const id of await listCheckpoints(dir)) {
    if (id < keepFrom) await rm(checkpointPath(dir, id), { force: true });
  }
}

/** Deletes every checkpoint file, so the next run starts from the beginning. */
export async function clearCheckpoints(dir: string): Promise<void> {
  for (const id of await listCheckpoints(dir)) await rm(checkpointPath(dir, id), { force: true });
}

// Operator state holds row values, which include Dates and byte arrays: JSON alone would turn them into
// strings, so they travel tagged and come back as the same types.
export function encodeState(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof Date) return { $date: original.getTime() };
    if (original instanceof Uint8Array) return { $bytes: Buffer.from(original).toString('base64') };
    if (typeof original === 'number' && !Number.isFinite(original)) return { $number: String(original) };
    // A row that really has keys starting with `$` gets them prefixed once more, so tags stay unambiguous.
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('$'))) {
      const escaped: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) escaped[k.startsWith('$') ? `$${k}` : k] = inner;
      return escaped;
    }
    return v;
  });
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$date === 'number') return new Date(o.$date);
    if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    if (typeof o.$number === 'string') return Number(o.$number);
    const keys = Object.keys(o);
    if (keys.some((k) => k.startsWith('$$'))) {
      const plain: Record<string, unknown> = {};
      for (const k of keys) plain[k.startsWith('$$') ? k.slice(1) : k] = o[k];
      return plain;
    }
    return v;
  });
}
