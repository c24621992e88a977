// Pending-file markers: how a writer tells orphan removal "files I am writing are not orphans yet".
//
// A commit writes its data files, manifests and manifest list first and publishes the metadata version
// that references them last. In between, those files are referenced by nothing, so an orphan scan that
// runs then would delete them and the commit would publish a snapshot whose files are gone (seen with
// `lake clean --older-than 1ms` racing a pipeline). Age alone cannot close that window for a writer that
// holds files for long (a sink that writes at checkpoint prepare and publishes after a restart).
//
// So a writer first creates a marker `metadata/pending/<uuid>.json`, then writes its files, publishes,
// and removes the marker. Orphan removal lists files FIRST and reads markers AFTER, and skips every file
// a marker names and every file not older than the oldest marker (minus a minute of clock slack). Any
// file the listing saw was written after its writer's marker was created, so that marker is either still
// there when markers are read (file protected), or was removed after the publish, which is before the
// orphan scan loads the metadata (file referenced). Either way it is kept.
//
// Kinds: `commit` markers live for one commit and name the process (a marker of a dead process on this
// host is stale and removed by the next clean); `reservation` markers are for writers that keep files
// pending across restarts (LakeTable.reservePending) and count until released or RESERVATION_MAX_MS
// after they were last renewed. Commits also re-check their files right before and after publishing
// (write.ts), so a file removed by a cleaner that ignores markers fails the commit instead of publishing
// an unreadable snapshot.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processAlive as alive } from '../../processes/alive.ts';
import { metadataDir, writeNewFile } from './store.ts';

export const PENDING_DIR = 'pending';
/** Files this close in time before the oldest marker are protected too (clock steps, coarse mtimes). */
export const PENDING_SLACK_MS = 60_000;
/** A reservation not renewed for this long no longer protects its files (the writer is gone for good). */
export const RESERVATION_MAX_MS = 7 * 86_400_000;

export type PendingKind = 'commit' | 'reservation';

interface MarkerJson {
  kind: PendingKind;
  owner: string;
  pid: number;
  host: string;
  /** Absolute local paths the writer will reference (others are protected by the marker's age alone). */
  paths: string[];
}

export interface PendingMarker extends MarkerJson {
  /** The marker file. */
  file: string;
  /** Marker file mtime: when it was created or last renewed. */
  sinceMs: number;
}

export interface PendingReservation {
  readonly file: string;
  /** Adds paths to the marker (written before the files themselves). */
  add(paths: readonly string[]): Promise<void>;
  /** Marks the reservation as still needed (a writer resuming after a restart). */
  renew(): Promise<void>;
  /** Removes the marker: call after the files were published (or abandoned). */
  release(): Promise<void>;
}

export function pendingDir(tableDir: string): string {
  return path.join(metadataDir(tableDir), PENDING_DIR);
}

class Reservation implements PendingReservation {
  constructor(
    private readonly tableDir: string,
    public file: string,
    private marker: MarkerJson,
  ) {}

  async add(paths: readonly string[]): Promise<void> {
    this.marker = { ...this.marker, paths: [...this.marker.paths, ...paths.map((p) => path.resolve(p))] };
    // the longer list goes in a new marker, dated like the old one, before the old one goes: at no moment
    // is a file less protected than before
    const old = this.file;
    const since = (await stat(old)).mtime;
    const next = path.join(pendingDir(this.tableDir), `${randomUUID()}.json`);
    await writeNewFile(next, JSON.stringify(this.marker));
    await utimes(next, since, since);
    this.file = next;
    await unlink(old).catch(() => undefined);
  }

  async renew(): Promise<void> {
    const now = new Date();
    await utimes(this.file, now, now);
  }

  async release(): Promise<void> {
    await unlink(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/** Creates a marker; the files it protects must be written after this returns. */
export async function reservePending(tableDir: string, options: { kind?: PendingKind; owner?: string; paths?: readonly string[] } = {}): Promise<PendingReservation> {
  const file = path.join(pendingDir(tableDir), `${randomUUID()}.json`);
  const marker: MarkerJson = { kind: options.kind ?? 'reservation', owner: options.owner ?? '', pid: process.pid, host: os.hostname(), paths: (options.paths ?? []).map((p) => path.resolve(p)) };
  // a commit's marker need not survive a crash (a dead process's marker is stale anyway): no fsync
  if (marker.kind === 'commit') await writeExclusive(file, JSON.stringify(marker));
  else await writeNewFile(file, JSON.stringify(marker));
  return new Reservation(tableDir, file, marker);
}

async function writeExclusive(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
  }
}

/** Re-attaches to a marker found with listPending (a writer resuming after a restart). */
export function reservationOf(tableDir: string, marker: PendingMarker): PendingReservation {
  const { file: _file, sinceMs: _since, ...json } = marker;
  return new Reservation(tableDir, marker.file, json);
}

/** Runs `work` holding a commit marker (every file it writes is safe from orphan removal meanwhile). */
export async function withPending<T>(tableDir: string, owner: string, work: () => Promise<T>): Promise<T> {
  const marker = await reservePending(tableDir, { kind: 'commit', owner });
  try {
    return await work();
  } finally {
    await marker.release();
  }
}

/** Every marker of the table; `stale` ones no longer protect anything. Unreadable markers protect by age. */
export async function listPending(tableDir: string, nowMs: number): Promise<{ live: PendingMarker[]; stale: PendingMarker[] }> {
  let names: string[];
  try {
    names = await readdir(pendingDir(tableDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { live: [], stale: [] };
    throw error;
  }
  const live: PendingMarker[] = [];
  const stale: PendingMarker[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(pendingDir(tableDir), name);
    let info;
    let text: string;
    try {
      info = await stat(file);
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw error;
    }
    let json: Partial<MarkerJson> = {};
    try {
      json = JSON.parse(text) as Partial<MarkerJson>;
    } catch {
      // being written right now, or damaged: it still protects everything newer than itself
    }
    const marker: PendingMarker = {
      file,
      sinceMs: info.mtimeMs,
      kind: json.kind === 'commit' ? 'commit' : 'reservation',
      owner: typeof json.owner === 'string' ? json.owner : '',
      pid: typeof json.pid === 'number' ? json.pid : 0,
      host: typeof json.host === 'string' ? json.host : '',
      paths: Array.isArray(json.paths) ? json.paths.filter((p): p is string => typeof p === 'string') : [],
    };
    const deadCommit = marker.kind === 'commit' && marker.host === os.hostname() && marker.pid > 0 && !alive(marker.pid);
    const expired = marker.kind === 'reservation' && nowMs - marker.sinceMs > RESERVATION_MAX_MS;
    (deadCommit || expired ? stale : live).push(marker);
  }
  return { live, stale };
}

/** What the live markers protect: named paths, and every file modified at or after `sinceMs`. */
export function protection(live: readonly PendingMarker[]): { paths: Set<string>; sinceMs: number | null } {
  const paths = new Set<string>();
  let since: number | null = null;
  for (const m of live) {
    for (const p of m.paths) paths.add(p);
    since = since === null ? m.sinceMs : Math.min(since, m.sinceMs);
  }
  return { paths, sinceMs: since === null ? null : since - PENDING_SLACK_MS };
}

/** The paths among `paths` that do not exist. */
export async function missingFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      await stat(p);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      out.push(p);
    }
  }
  return out;
}
