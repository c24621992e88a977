// How long each test file took, so the suite can start the longest first (schedule.ts).
//
// Two sources, the later winning: durations.json beside this file (committed, so a fresh clone in CI is
// ordered well from its first run; refresh it with `npm test -- --save-durations`), then the last run on
// this machine in the cache folder (written after every run, so new and changed files are ordered by
// what they cost now). Both are hints only: a wrong or missing figure changes the order, never a result.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../cache.ts';

export const committedDurations = join(dirname(new URL(import.meta.url).pathname), 'durations.json');

export function lastRunDurations(): string {
  return cacheDir('test-durations.json');
}

/** Reads a `{ "file": seconds }` map; a missing or malformed file, or a malformed entry, is skipped. */
export function readDurations(path: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
  const out = new Map<string, number>();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [file, seconds] of Object.entries(parsed)) {
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) out.set(file, seconds * 1000);
  }
  return out;
}

/** The committed figures overlaid with this machine's last run, in milliseconds. */
export function knownDurations(paths: readonly string[] = [committedDurations, lastRunDurations()]): Map<string, number> {
  const out = new Map<string, number>();
  for (const path of paths) for (const [file, ms] of readDurations(path)) out.set(file, ms);
  return out;
}

/**
 * Writes `{ "file": seconds }` (sorted by file, 0.1 s), merged over what the file already holds; entries
 * for which `keep` is false (a deleted test file) are dropped.
 */
export function saveDurations(path: string, measured: ReadonlyMap<string, number>, keep: (file: string) => boolean = () => true): void {
  const merged = readDurations(path);
  for (const [file, ms] of measured) merged.set(file, ms);
  for (const file of merged.keys()) if (!keep(file)) merged.delete(file);
  const body: Record<string, number> = {};
  for (const file of [...merged.keys()].sort()) body[file] = Math.round(merged.get(file)! / 100) / 10;
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(temp, path);
}
