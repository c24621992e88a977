// Maintenance results in words ("3 files rewritten, 1 written") instead of the engine's stat keys.
import type { MaintenanceResult } from '../../../engine/api/contract.ts';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** `filesRewritten` → `files rewritten`, for keys this file does not know yet. */
function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function describeMaintenance(result: Pick<MaintenanceResult, 'action' | 'stats' | 'snapshotId'>): string {
  const s = result.stats;
  const known = new Set<string>();
  const take = (key: string): number => {
    known.add(key);
    return s[key] ?? 0;
  };
  const parts: string[] = [];
  if (result.action === 'compact') {
    const rewritten = take('filesRewritten');
    const written = take('filesWritten');
    parts.push(rewritten === 0 ? 'Nothing to compact: no small files' : `${count(rewritten, 'file')} rewritten, ${written.toLocaleString()} written`);
    if (result.snapshotId !== null) parts.push(`new snapshot ${result.snapshotId}`);
  } else if (result.action === 'expire') {
    parts.push(`${count(take('snapshotsExpired'), 'snapshot')} expired`, `${count(take('filesDeleted'), 'file')} deleted`);
  } else {
    parts.push(`${count(take('filesRemoved'), 'orphan file')} removed`);
  }
  for (const [key, value] of Object.entries(s)) if (!known.has(key)) parts.push(`${words(key)}: ${value.toLocaleString()}`);
  return parts.join(', ');
}
