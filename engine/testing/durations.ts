// How long each test file took, so the suite can start the longest first and give the files that mostly
// wait a light slot (schedule.ts).
//
// Two sources, the later winning: durations.json beside this file (committed, so a fresh clone in CI is
// ordered well from its first run; refresh it with `npm test -- --save-durations`), then the last run on
// this machine in the cache folder (written after every run, so new and changed files are ordered by
// what they cost now). Both are hints only: a wrong or missing figure changes the order, never a result.
//
// An entry is `{ "wall": seconds, "cpu": seconds }` (CPU of the file's process tree), or a bare number of
// wall seconds as older files hold them.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../cache.ts';

export const committedDurations = join(dirname(new URL(import.meta.url).pathname), 'durations.json');

export function lastRunDurations(): string {
  return cacheDir('test-durations.json');
}

/** What one file cost, milliseconds. */
export interface Timing {
  ms: number;
  /** CPU time of its process tree, when it was measured. */
  cpuMs?: number;
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
}

/** Reads a `{ "file": timing }` map; a missing or malformed file, or a malformed entry, is skipped. */
export function readDurations(path: string): Map<string, Timing> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
  const out = new Map<string, Timing>();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [file, entry] of Object.entries(parsed)) {
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const fields = entry as Record<string, unknown>;
      const ms = seconds(fields.wall);
      const cpuMs = seconds(fields.cpu);
      if (ms !== undefined) out.set(file, cpuMs === undefined ? { ms } : { ms, cpuMs });
    } else {
      const ms = seconds(entry);
      if (ms !== undefined) out.set(file, { ms });
    }
  }
  return out;
}

/** The committed figures overlaid with this machine's last run. */
export function knownDurations(paths: readonly string[] = [committedDurations, lastRunDurations()]): Map<string, Timing> {
  const out = new Map<string, Timing>();
  for (const path of paths) for (const [file, timing] of readDurations(path)) out.set(file, timing);
  return out;
}

/**
 * Writes `{ "file": { "wall": s, "cpu": s } }` (sorted by file, 0.1 s; no `cpu` when unmeasured), merged
 * over what the file already holds; entries for which `keep` is false (a deleted test file) are dropped.
 */
export function saveDurations(path: string, measured: ReadonlyMap<string, Timing>, keep: (file: string) => boolean = () => true): void {
  const merged = readDurations(path);
  for (const [file, timing] of measured) merged.set(file, timing);
  for (const file of merged.keys()) if (!keep(file)) merged.delete(file);
  const tenths = (ms: number): number => Math.round(ms / 100) / 10;
  // One line per file, so a refresh diffs as the files whose figures changed.
  const lines = [...merged.keys()].sort().map((file) => {
    const { ms, cpuMs } = merged.get(file)!;
    return `  ${JSON.stringify(file)}: { "wall": ${tenths(ms)}${cpuMs === undefined ? '' : `, "cpu": ${tenths(cpuMs)}`} }`;
  });
  const text = lines.length === 0 ? '{}\n' : `{\n${lines.join(',\n')}\n}\n`;
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
