// What the database sinks keep between prepare and commit: the rows (and retracted keys) of each
// checkpoint not committed yet (staged in files, see staging.ts), and how several checkpoints'
// rows settle into one commit (the last row per upsert key wins; a key retracted after its row is gone).
import type { Row } from '../runtime/types.ts';

export interface Segment {
  id: number;
  rows: Row[];
  upsertKey?: string[];
  /** Retracted keys; `position` counts the rows of this segment that came before them. */
  retracts: { position: number; keys: Row[] }[];
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
