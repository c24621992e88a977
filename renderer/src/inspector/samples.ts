// Sample values per column, for editors: the first few distinct values seen in rows, written as they
// would be in an expression ('europe', 42, TRUE), so a filter is written against real data.
import type { WireRow } from '../../../engine/api/contract.ts';

function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return `'${value.length > 24 ? `${value.slice(0, 24)}…` : value.replace(/'/g, "''")}'`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return undefined;
}

export function sampleValues(rows: readonly WireRow[], perColumn = 4): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      const text = literal(value);
      if (text === undefined) continue;
      const list = out.get(column) ?? [];
      if (list.length < perColumn && !list.includes(text)) list.push(text);
      out.set(column, list);
    }
  }
  return out;
}
