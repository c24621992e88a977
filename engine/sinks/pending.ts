// What the database sinks keep between prepare and commit: the rows (and retracted keys) of each
// checkpoint not committed yet, stored by the runtime in chk-<id>.json, and how several checkpoints'
// rows settle into one commit (the last row per upsert key wins; a key retracted after its row is gone).
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';

export interface Segment {
  id: number;
  rows: Row[];
  upsertKey?: string[];
  /** Retracted keys; `position` counts the rows of this segment that came before them. */
  retracts: { position: number; keys: Row[] }[];
}

export interface Pending {
  format: string;
  segments: Segment[];
}

/** The pending state read back from a checkpoint file (it crossed a storage boundary). */
export function pendingSegments(pending: unknown, format: string, node: string): Segment[] {
  if (pending === null || pending === undefined) return [];
  const p = pending as Partial<Pending>;
  const ok = typeof p === 'object' && p.format === format && Array.isArray(p.segments)
    && p.segments.every((s: Partial<Segment>) => typeof s === 'object' && s !== null && Number.isInteger(s.id) && Array.isArray(s.rows) && Array.isArray(s.retracts)
      && (s.upsertKey === undefined || (Array.isArray(s.upsertKey) && s.upsertKey.every((k) => typeof k === 'string'))));
  if (!ok) throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": the pending state in the checkpoint is not this sink's (${format})`, { node });
  return p.segments as Segment[];
}

/** Text identity of a row's key values (timestamps by their instant). */
export function keyText(row: Row, key: readonly string[]): string {
  return JSON.stringify(key.map((k) => { const v = row[k]; return v instanceof Date ? v.getTime() : v ?? null; }));
}

/**
 * Rows in order after retractions, the keys to delete, and the upsert key, over all segments. With an
 * upsert key, rows are the last per key, and `retract` holds only keys that have no later row here.
 */
export function mergeSegments(segments: readonly Segment[]): { rows: Row[]; retract: Row[]; upsertKey?: string[] } {
  const rows: Row[] = [];
  const retracts: { position: number; keys: Row[] }[] = [];
  let upsertKey: string[] | undefined;
  for (const s of segments) {
    upsertKey ??= s.upsertKey;
    for (const r of s.retracts) retracts.push({ position: r.position + rows.length, keys: r.keys });
    for (const row of s.rows) rows.push(row);
  }
  if (!upsertKey) return { rows, retract: [] };
  const key = upsertKey;
  const lastRetractAt = new Map<string, number>();
  const retract = new Map<string, Row>();
  for (const r of retracts) for (const k of r.keys) { lastRetractAt.set(keyText(k, key), r.position); retract.set(keyText(k, key), k); }
  const last = new Map<string, Row>();
  rows.forEach((row, i) => {
    const t = keyText(row, key);
    if ((lastRetractAt.get(t) ?? -1) <= i) last.set(t, row);
    else last.delete(t);
  });
  for (const t of last.keys()) retract.delete(t);
  return { rows: [...last.values()], retract: [...retract.values()], upsertKey };
}
