// Column types from row values, shared by the database sinks: each column takes the type its first
// non-null value asks for, a whole-number column that later sees a fraction is widened, and a column
// only ever null gets the target's text type. Folding batch after batch gives what all rows at once give
// (the sinks build their bulk text while rows arrive and still create the same table).
import type { Row } from '../runtime/types.ts';

/** How a target names types: per value (null = no evidence), the integer → fraction widening, text. */
export interface TypeNames {
  of(value: unknown): string | null;
  integer: string;
  fraction: string;
  text: string;
}

/** Folds these rows into `seen`, first-seen order (a column only null so far is 'null'). */
export function foldColumns(names: TypeNames, seen: Map<string, string>, rows: readonly Row[]): Map<string, string> {
  for (const row of rows) {
    for (const name in row) {
      if (!Object.hasOwn(row, name)) continue;
      const type = names.of(row[name]);
      const had = seen.get(name);
      if (had === undefined || had === 'null') seen.set(name, type ?? 'null');
      else if (had === names.integer && type === names.fraction) seen.set(name, type);
    }
  }
  return seen;
}

/** The types of a fold, columns only ever null as text. */
export function finishColumns(names: TypeNames, seen: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map(seen);
  for (const [name, type] of out) if (type === 'null') out.set(name, names.text);
  return out;
}
