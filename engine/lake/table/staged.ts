// Two-phase appends for sink.lake (engine/runtime/README.md): `stageFiles` writes rows as Parquet data
// files that no snapshot names yet (durable, not visible), `publishStaged` later publishes them, together
// with row batches that need copy-on-write (upserts, retractions), as consecutive snapshots in ONE
// metadata version, so a checkpoint's work becomes visible all at once or not at all.
//
// Staged files sit in the table's data folder under their final names. Until published they are
// unreferenced, possibly for long (a crash, then a restart days later), so `stageFiles` holds a pending
// reservation of the table (pending.ts) for them, taken BEFORE the first file is written and named by
// `owner`; orphan removal keeps every file such a reservation covers, and `publishStaged` releases the
// owner's reservations once the files are referenced by a published version.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';
import type { Snapshot } from '../format/metadata.ts';
import { commitChanges, commitMetadata, withSchema, type AddedFile, type BuildContext, type Change, type CommitOptions } from './commit.ts';
import { currentSchema, localPath, specById } from './manifests.ts';
import { bindSpec } from './partition.ts';
import { coerceRow, evolveStruct } from './schema.ts';
import { writeOrder } from './sort.ts';
import { appendBuilder, writePartitioned, type RejectedRow } from './write.ts';
import { loadMetadata } from './store.ts';
import { listPending, reservationOf, reservePending } from './pending.ts';

export interface StagedFiles {
  added: AddedFile[];
  rejected: RejectedRow[];
  /** Rows written into the files. */
  rows: number;
}

/**
 * Writes `rows` as data files of the table (one per partition, in the default sort order) without
 * committing them. New columns are added to the schema first (a metadata-only commit), so the files are
 * written with the field ids they will be read by.
 */
export async function stageFiles(tableDir: string, rows: readonly Row[], options: CommitOptions & { owner: string }): Promise<StagedFiles> {
  // Marker first, files after (pending.ts): a clean that lists a staged file then also sees this marker.
  const reservation = await reservePending(tableDir, { kind: 'reservation', owner: options.owner });
  const evolved = await commitMetadata(tableDir, (base) => {
    let next = base.metadata['last-column-id'];
    const schema = currentSchema(base.metadata);
    const struct = evolveStruct(schema, rows, () => ++next);
    return struct === schema ? null : withSchema(base.metadata, struct);
  }, options);
  const metadata = evolved.metadata;
  const struct = currentSchema(metadata);
  const accepted: Row[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    const r = coerceRow(struct, row);
    if (r.ok) accepted.push(r.row);
    else rejected.push({ row, reason: r.reason });
  }
  const specId = metadata['default-spec-id'];
  const bound = bindSpec(specById(metadata, specId), struct);
  const order = writeOrder(metadata, struct, path.basename(tableDir));
  const added = await writePartitioned({ tableDir, metadata }, struct, bound, specId, accepted, order);
  await reservation.add(added.map((a) => localPath({ tableDir, metadata }, a.record.file_path)));
  return { added, rejected, rows: accepted.length };
}

export type StagedPart =
  | { kind: 'files'; added: readonly AddedFile[] }
  | { kind: 'rows'; rows: readonly Row[]; upsertKey?: readonly string[]; retract?: readonly Row[] };

export interface PublishResult {
  snapshots: (Snapshot | null)[];
  rejected: RejectedRow[];
  rows: number;
  files: number;
  replacedFiles: number;
}

/** Publishes the parts in order as consecutive snapshots of one metadata version, each with `summary`. */
export async function publishStaged(tableDir: string, branch: string, parts: readonly StagedPart[], summary: Record<string, string>, options: CommitOptions & { owner: string }): Promise<PublishResult> {
  let files = 0;
  let rows = 0;
  const base = await loadMetadata(tableDir);
  for (const part of parts) {
    if (part.kind !== 'files') continue;
    for (const a of part.added) {
      const file = localPath({ tableDir, metadata: base.metadata }, a.record.file_path);
      // A staged file that is gone (deleted by hand or by a clean that ignored .pending) cannot be published.
      await access(file).catch(() => {
        throw new EngineError('ENG_LAKE_MISSING_FILE', `${tableDir}: staged data file ${file} is missing; it was written for a checkpoint that has not been committed yet`, { file });
      });
      files++;
      rows += a.record.record_count;
    }
  }
  const results: ReturnType<typeof appendBuilder>[] = [];
  const builds = parts.map((part): ((ctx: BuildContext) => Promise<Change | null>) => {
    if (part.kind === 'files') return async () => ({ operation: 'append', added: [...part.added], deleted: [], summary });
    const builder = appendBuilder(part.rows, { ...options, branch, upsertKey: part.upsertKey, retract: part.retract, summary, allowEmpty: true });
    results.push(builder);
    return builder.build;
  });
  const { snapshots } = await commitChanges(tableDir, branch, builds, options);
  await releaseReservations(tableDir, options.owner, options.clock.now());
  const out: PublishResult = { snapshots, rejected: [], rows, files, replacedFiles: 0 };
  for (const r of results) {
    const result = r.result(null);
    out.rejected.push(...result.rejected);
    out.rows += result.rows;
    out.files += result.files;
    out.replacedFiles += result.replacedFiles;
  }
  return out;
}

/** Releases the owner's reservations: everything it staged is now referenced by a published version. */
async function releaseReservations(tableDir: string, owner: string, nowMs: number): Promise<void> {
  const { live } = await listPending(tableDir, nowMs);
  for (const marker of live) {
    if (marker.kind === 'reservation' && marker.owner === owner) await reservationOf(tableDir, marker).release();
  }
}
