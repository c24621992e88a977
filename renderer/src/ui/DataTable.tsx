// A compact, monospace grid for rows of wire values (previews, query results, messages).
import type { WireValue } from '../../../engine/api/contract.ts';

export function cellText(v: WireValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Columns whose values are all numbers (nulls aside): their header sits right, over right-aligned figures. */
export function numericColumns(count: number, rows: readonly (readonly WireValue[])[]): boolean[] {
  return Array.from({ length: count }, (_, j) => {
    let seen = false;
    for (const r of rows) {
      const v = r[j];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') return false;
      seen = true;
    }
    return seen;
  });
}

export function RowsTable({ columns, rows, label, types }: { columns: readonly string[]; rows: readonly (readonly WireValue[])[]; label: string; types?: readonly string[] }) {
  const numeric = numericColumns(columns.length, rows);
  return (
    <div className="grid-wrap">
      <table className="grid" aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={`${c}-${i}`} scope="col" className={numeric[i] ? 'num' : undefined}>{c}{types?.[i] && <span className="type">{types[i]}</span>}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((_, j) => {
                const v = r[j];
                return <td key={j} className={typeof v === 'number' ? 'num' : v === null ? 'faint' : ''} title={cellText(v)}>{cellText(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Rows given as objects: columns are the union of keys in first-seen order. */
export function ObjectTable({ rows, label }: { rows: readonly Record<string, WireValue>[]; label: string }) {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return <RowsTable label={label} columns={columns} rows={rows.map((r) => columns.map((c) => r[c] ?? null))} />;
}
