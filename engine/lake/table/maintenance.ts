// Table maintenance: compaction (small files → target-size files in a `replace` snapshot, same rows; files
// are written in the table's default sort order, and files written in another order are rewritten whatever
// their size, so "set a sort order, then compact" re-clusters a table),
// snapshot expiry (never one a ref holds; then delete files no remaining snapshot reaches) and orphan
// removal (files nothing references, older than a safety age so in-flight commits are never touched).
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import type { Snapshot, SnapshotId, TableMetadata } from '../format/metadata.ts';
import { withConnection } from '../duckdb.ts';
import { commitChange, commitMetadata, type AddedFile, type CommitOptions } from './commit.ts';
import { liveFiles, localPath, readManifest, snapshotManifests, type DataFileEntry, type TableFiles } from './manifests.ts';
import { compressionOf, dropTable, loadQuery, readSchemaSql, writeTable } from './parquet.ts';
import { HINT_FILE, loadMetadata } from './store.ts';
import { removeSidecar, sidecarTarget } from './crc.ts';
import { applicable, applies, liveDeleteFiles, partitionKeyOf, selectWithDeletes, type DeleteTarget } from './deletes.ts';
import { listPending, missingFiles, pendingDir, protection, withPending } from './pending.ts';
import { writeOrder, type WriteOrder } from './sort.ts';
import { dataFileRecord, newDataPath, requirePublished } from './write.ts';

/** Progress of a long maintenance task: `done` of `total` steps, and what is happening. */
export type Progress = (done: number, total: number, message: string) => void;

export interface CompactOptions {
  /** Files are combined up to this size (default 128 MiB). */
  targetFileSizeBytes?: number;
  /** Branch to compact (default main). */
  branch?: string;
}

export interface ExpireOptions {
  /** Expire snapshots older than this many ms (relative to the clock). */
  olderThanMs?: number;
  /** Always keep this many newest snapshots of each branch's history (default 1). */
  retainLast?: number;
}

export interface OrphanOptions {
  /** Only files older than this are removed (default 3 days, like Iceberg's DeleteOrphanFiles). */
  olderThanMs?: number;
  /** Allows `olderThanMs` below ORPHAN_MIN_AGE_MS (files of writers that do not mark pending files, e.g. Java, are then at risk). */
  force?: boolean;
}

/** Iceberg's default minimum age of an orphan. */
export const ORPHAN_DEFAULT_AGE_MS = 3 * 86_400_000;
/**
 * Below this age orphan removal refuses without `force`: our writers mark their pending files (pending.ts),
 * but other engines sharing the table (Java, Spark, Flink) do not, and their in-flight files look like
 * orphans until they commit.
 */
export const ORPHAN_MIN_AGE_MS = 86_400_000;

const DEFAULT_TARGET = 128 * 1024 * 1024;

interface Bin {
  specId: number;
  files: DataFileEntry[];
}

/**
 * Groups of files to combine, per partition, up to `target` bytes each. A file that is not in the table's
 * sorted default order (written unsorted or in an older order) is rewritten even when it is big enough or
 * alone in its partition; with an unsorted default order only small files are, as before.
 */
function bins(files: readonly DataFileEntry[], target: number, order: WriteOrder, deleted: (f: DataFileEntry) => boolean): Bin[] {
  // a file with delete files applying to it is rewritten too: compaction applies the deletes
  const stale = (f: DataFileEntry): boolean => (order.orderId !== null && f.record.sort_order_id !== order.orderId) || deleted(f);
  const worth = (group: readonly DataFileEntry[]): boolean => group.length > 1 || group.some(stale);
  const groups = new Map<string, DataFileEntry[]>();
  for (const f of files) {
    if (f.record.file_size_in_bytes >= target && !stale(f)) continue;
    const key = `${f.specId}:${path.dirname(f.record.file_path)}:${JSON.stringify(f.record.partition, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out: Bin[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => a.record.file_size_in_bytes - b.record.file_size_in_bytes);
    let current: DataFileEntry[] = [];
    let size = 0;
    for (const f of group) {
      current.push(f);
      size += f.record.file_size_in_bytes;
      if (size >= target) {
        if (worth(current)) out.push({ specId: f.specId, files: current });
        current = [];
        size = 0;
      }
    }
    if (worth(current)) out.push({ specId: current[0]?.specId ?? 0, files: current });
  }
  return out;
}

export async function compact(
  tableDir: string,
  options: CompactOptions,
  onProgress: Progress | undefined,
  commit: CommitOptions,
): Promise<{ filesRewritten: number; filesWritten: number; snapshotId: SnapshotId | null }> {
  // the pending marker keeps orphan removal off the rewritten files until they are published (pending.ts)
  return withPending(tableDir, 'compact', () => compactPending(tableDir, options, onProgress, commit));
}

async function compactPending(
  tableDir: string,
  options: CompactOptions,
  onProgress: Progress | undefined,
  commit: CommitOptions,
): Promise<{ filesRewritten: number; filesWritten: number; snapshotId: SnapshotId | null }> {
  const target = options.targetFileSizeBytes ?? DEFAULT_TARGET;
  const done = new Map<string, AddedFile>(); // bin key → rewritten file, reused when a retry sees the same bin
  let rewritten = 0;
  let written = 0;
  let lastAdded: AddedFile[] = [];
  const { snapshot } = await commitChange(
    tableDir,
    options.branch ?? 'main',
    async (ctx) => {
      const live = await liveFiles(ctx.files, ctx.parent);
      const deletes = await liveDeleteFiles(ctx.files, ctx.parent);
      const targetOf = (f: DataFileEntry): DeleteTarget => ({ path: localPath(ctx.files, f.record.file_path), uri: f.record.file_path, sequenceNumber: f.sequenceNumber, specId: f.specId, partitionKey: partitionKeyOf(f.record.partition) });
      const order = writeOrder(ctx.base.metadata, ctx.schema, path.basename(tableDir));
      const plan = bins(live, target, order, (f) => deletes.some((d) => applies(d, targetOf(f))));
      const schemaKey = `${order.orderId ?? ''}|${JSON.stringify(ctx.schema.fields)}`;
      const added: AddedFile[] = [];
      const deleted: DataFileEntry[] = [];
      let step = 0;
      onProgress?.(0, plan.length, `${plan.length} groups of small files to combine`);
      await withConnection(async (connection) => {
        for (const bin of plan) {
          const targets = bin.files.map(targetOf);
          const binDeletes = applicable(deletes, targets);
          const key = `${schemaKey}|${bin.files.map((f) => f.record.file_path).sort().join('|')}|${binDeletes.map((d) => d.uri).sort().join('|')}`;
          let file = done.get(key);
          if (file && (await missingFiles([localPath(ctx.files, file.record.file_path)])).length > 0) file = undefined;
          if (!file) {
            // merge-on-read deletes of other engines are applied here, so the rewrite holds only live rows
            const table = await loadQuery(connection, selectWithDeletes(targets, binDeletes, ctx.schema.fields, readSchemaSql(ctx.schema.fields)));
            try {
              const first = bin.files[0];
              if (!first) continue;
              const folder = path.relative(path.join(ctx.files.tableDir, 'data'), path.dirname(localPath(ctx.files, first.record.file_path)));
              const out = newDataPath(ctx.files.tableDir, folder.startsWith('..') ? '' : folder);
              const metrics = await writeTable(connection, table, ctx.schema, out, compressionOf(ctx.files.metadata.properties), order.orderBy);
              const expected = bin.files.reduce((n, f) => n + f.record.record_count, 0);
              if (binDeletes.length === 0 ? metrics.recordCount !== expected : metrics.recordCount > expected) {
                throw new EngineError('ENG_LAKE_METADATA', `compaction read ${metrics.recordCount} rows from files whose manifests say ${expected}`, { files: bin.files.map((f) => f.record.file_path) });
              }
              file = { record: dataFileRecord(out, metrics, first.record.partition, order.orderId), specId: bin.specId };
              done.set(key, file);
            } finally {
              await dropTable(connection, table);
            }
          }
          added.push(file);
          deleted.push(...bin.files);
          onProgress?.(++step, plan.length, `combined ${bin.files.length} files`);
        }
      });
      rewritten = deleted.length;
      written = added.length;
      lastAdded = added;
      if (deleted.length === 0) return null;
      return { operation: 'replace', added, deleted };
    },
    commit,
  );
  await requirePublished(tableDir, snapshot, lastAdded);
  return { filesRewritten: rewritten, filesWritten: written, snapshotId: snapshot?.['snapshot-id'] ?? null };
}

/** Snapshots every ref needs: each ref's head, plus the newest `retainLast` of each branch's history. */
function retained(m: TableMetadata, retainLast: number): Set<SnapshotId> {
  const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
  const keep = new Set<SnapshotId>();
  for (const ref of Object.values(m.refs)) {
    let at: Snapshot | undefined = byId.get(ref['snapshot-id']);
    const depth = ref.type === 'branch' ? Math.max(1, retainLast) : 1;
    for (let i = 0; i < depth && at; i++) {
      keep.add(at['snapshot-id']);
      const parent = at['parent-snapshot-id'];
      at = parent === undefined ? undefined : byId.get(parent);
    }
  }
  return keep;
}

async function reachable(files: TableFiles, snapshots: readonly Snapshot[]): Promise<{ lists: Set<string>; manifests: Set<string>; data: Set<string> }> {
  const lists = new Set<string>();
  const manifests = new Set<string>();
  const data = new Set<string>();
  for (const s of snapshots) {
    lists.add(localPath(files, s['manifest-list']));
    for (const m of await snapshotManifests(files, s)) manifests.add(localPath(files, m.manifest_path));
    for (const f of await liveFiles(files, s)) data.add(localPath(files, f.record.file_path));
    // delete files (other engines' merge-on-read) are live files too: expiry and orphan removal keep them
    for (const d of await liveDeleteFiles(files, s)) data.add(d.path);
  }
  return { lists, manifests, data };
}

export async function expireSnapshots(
  tableDir: string,
  options: ExpireOptions,
  onProgress: Progress | undefined,
  commit: CommitOptions,
): Promise<{ expired: number; filesDeleted: number }> {
  let expired: Snapshot[] = [];
  const now = commit.clock.now();
  const loaded = await commitMetadata(
    tableDir,
    (base) => {
      const m = base.metadata;
      const keep = retained(m, options.retainLast ?? 1);
      const cutoff = options.olderThanMs === undefined ? Number.POSITIVE_INFINITY : now - options.olderThanMs;
      expired = m.snapshots.filter((s) => !keep.has(s['snapshot-id']) && s['timestamp-ms'] < cutoff);
      if (expired.length === 0) return null;
      const gone = new Set(expired.map((s) => s['snapshot-id']));
      return {
        ...m,
        snapshots: m.snapshots.filter((s) => !gone.has(s['snapshot-id'])),
        'snapshot-log': m['snapshot-log'].filter((e) => !gone.has(e['snapshot-id'])),
      };
    },
    commit,
  );
  if (expired.length === 0) return { expired: 0, filesDeleted: 0 };
  const files: TableFiles = { tableDir, metadata: loaded.metadata };
  const total = expired.length + loaded.metadata.snapshots.length;
  let step = 0;
  onProgress?.(0, total, `expired ${expired.length} snapshots; finding files still in use`);
  const keep = await reachable(files, loaded.metadata.snapshots);
  step += loaded.metadata.snapshots.length;
  onProgress?.(step, total, 'finding files only expired snapshots used');
  const doomed = new Set<string>();
  for (const s of expired) {
    const list = localPath(files, s['manifest-list']);
    if (!keep.lists.has(list)) doomed.add(list);
    for (const m of await snapshotManifests(files, s).catch(() => [])) {
      const mp = localPath(files, m.manifest_path);
      for (const e of await readManifest(mp).catch(() => [])) {
        const dp = localPath(files, e.data_file.file_path);
        if (!keep.data.has(dp)) doomed.add(dp);
      }
      if (!keep.manifests.has(mp)) doomed.add(mp);
    }
    onProgress?.(++step, total, `checked snapshot ${s['snapshot-id']}`);
  }
  let deleted = 0;
  for (const file of doomed) if (await removeFile(file)) deleted++;
  onProgress?.(total, total, `deleted ${deleted} files`);
  return { expired: expired.length, filesDeleted: deleted };
}

async function removeFile(file: string): Promise<boolean> {
  try {
    // the Hadoop sidecar first: a file without one is still readable, a sidecar without its file is litter
    await removeSidecar(file);
    await unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}

export async function removeOrphans(
  tableDir: string,
  options: OrphanOptions,
  onProgress: Progress | undefined,
  commit: CommitOptions,
): Promise<{ removed: string[]; protectedByPending: number; staleMarkers: number }> {
  const age = options.olderThanMs ?? ORPHAN_DEFAULT_AGE_MS;
  if (age < ORPHAN_MIN_AGE_MS && !options.force) {
    throw new EngineError(
      'ENG_LAKE_UNSAFE',
      `${path.basename(tableDir)}: refusing to remove orphans younger than ${ORPHAN_MIN_AGE_MS / 3_600_000} h (asked: ${age} ms): files another engine is still writing look like orphans until it commits; pass force to do it anyway`,
      { table: path.basename(tableDir), olderThanMs: age, minimumMs: ORPHAN_MIN_AGE_MS },
    );
  }
  const now = commit.clock.now();
  const cutoff = now - age;
  // Order matters (pending.ts): list files, then read the pending markers, then load the metadata. A file
  // the listing saw is then either protected by its writer's marker or referenced by the loaded metadata.
  const pending = pendingDir(tableDir);
  const all = [...(await walk(path.join(tableDir, 'data'))), ...(await walk(path.join(tableDir, 'metadata')))].filter((f) => path.dirname(f) !== pending);
  const markers = await listPending(tableDir, now);
  const guard = protection(markers.live);
  const loaded = await loadMetadata(tableDir);
  const files: TableFiles = { tableDir, metadata: loaded.metadata };
  const keep = await reachable(files, loaded.metadata.snapshots);
  const removed: string[] = [];
  let shielded = 0;
  let step = 0;
  for (const file of all) {
    onProgress?.(step++, all.length, path.relative(tableDir, file));
    const name = path.basename(file);
    if (/^v\d+\.metadata\.json$/.test(name) || name === HINT_FILE) continue;
    const target = sidecarTarget(file);
    if (target !== null) {
      // a Hadoop sidecar goes with its file; one whose file is gone is an orphan itself (same age rule)
      if (await exists(target)) continue;
      const info = await stat(file).catch(() => null);
      if (info && info.mtimeMs < cutoff && (await unlink(file).then(() => true, () => false))) removed.push(file);
      continue;
    }
    if (keep.lists.has(file) || keep.manifests.has(file) || keep.data.has(file)) continue;
    const info = await stat(file).catch(() => null);
    if (!info || info.mtimeMs >= cutoff) continue;
    if (guard.paths.has(file) || (guard.sinceMs !== null && info.mtimeMs >= guard.sinceMs)) {
      shielded++;
      continue;
    }
    if (await removeFile(file)) removed.push(file);
  }
  // markers of commits whose process died, and reservations nobody renewed: they protect nothing any more
  for (const m of markers.stale) await unlink(m.file).catch(() => undefined);
  onProgress?.(all.length, all.length, `removed ${removed.length} orphan files${shielded ? `, kept ${shielded} files writers still have pending` : ''}`);
  return { removed, protectedByPending: shielded, staleMarkers: markers.stale.length };
}
