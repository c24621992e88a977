// Which chart fits a query result, decided from its shape alone: a time column suggests a line over time,
// one text column with numbers suggests bars, two numbers suggest a scatter. Pure and unit tested.

export type ChartKind = 'line' | 'bar' | 'area' | 'scatter';

export interface ColumnShape {
  name: string;
  /** The database's type name (DuckDB: TIMESTAMP, VARCHAR, DOUBLE, BIGINT, DECIMAL(18,2), …). */
  type: string;
}

export interface ChartSuggestion {
  kind: ChartKind;
  x: string;
  /** Numeric series plotted against x. */
  y: string[];
  /** A text column whose values split the y series into one line per value (e.g. region). */
  series?: string;
  reason: string;
}

export type ColumnRole = 'time' | 'number' | 'text' | 'other';

export function columnRole(type: string): ColumnRole {
  const t = type.toUpperCase();
  if (/^(TIMESTAMP|DATE|TIME)/.test(t)) return 'time';
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|LONG)/.test(t)) return 'number';
  if (/^(VARCHAR|TEXT|STRING|CHAR|UUID|ENUM|BOOLEAN)/.test(t)) return 'text';
  return 'other';
}

/** The best chart for a result, or undefined when nothing plots meaningfully (no numeric column). */
export function suggestChart(columns: readonly ColumnShape[]): ChartSuggestion | undefined {
  const time = columns.filter((c) => columnRole(c.type) === 'time');
  const numbers = columns.filter((c) => columnRole(c.type) === 'number');
  const texts = columns.filter((c) => columnRole(c.type) === 'text');
  if (numbers.length === 0) return undefined;
  const first = time[0];
  if (first) {
    // window_start is the natural x of a window's output; prefer it over window_end.
    const x = time.find((c) => /start/i.test(c.name)) ?? first;
    const suggestion: ChartSuggestion = { kind: 'line', x: x.name, y: numbers.slice(0, 4).map((c) => c.name), reason: `${x.name} is a time column` };
    const series = texts[0];
    if (series) {
      suggestion.series = series.name;
      suggestion.y = numbers.slice(0, 1).map((c) => c.name);
    }
    return suggestion;
  }
  const category = texts[0];
  if (category) {
    return { kind: 'bar', x: category.name, y: numbers.slice(0, 3).map((c) => c.name), reason: `${category.name} is a category` };
  }
  const [a, b] = numbers;
  if (a && b) return { kind: 'scatter', x: a.name, y: [b.name], reason: `${a.name} and ${b.name} are both numbers` };
  return undefined;
}

type Cell = string | number | boolean | null;

/**
 * Rows reshaped for recharts: one object per x value. With a series column, each series value becomes its
 * own key (`EU`, `US`, …) holding the first y column, so one line per region is drawn.
 */
export function chartData(
  suggestion: ChartSuggestion,
  columns: readonly ColumnShape[],
  rows: readonly (readonly Cell[])[],
): { data: Record<string, Cell>[]; keys: string[] } {
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const xi = index.get(suggestion.x) ?? 0;
  if (suggestion.series === undefined) {
    const data = rows.map((r) => {
      const out: Record<string, Cell> = { [suggestion.x]: r[xi] ?? null };
      for (const y of suggestion.y) out[y] = toNumber(r[index.get(y) ?? -1]);
      return out;
    });
    return { data: sortByX(data, suggestion.x), keys: suggestion.y };
  }
  const si = index.get(suggestion.series) ?? 0;
  const yi = index.get(suggestion.y[0] ?? '') ?? 0;
  const byX = new Map<string, Record<string, Cell>>();
  const keys: string[] = [];
  for (const r of rows) {
    const x = r[xi] ?? null;
    const key = String(r[si] ?? 'null');
    if (!keys.includes(key)) keys.push(key);
    const slot = byX.get(String(x)) ?? { [suggestion.x]: x };
    slot[key] = toNumber(r[yi]);
    byX.set(String(x), slot);
  }
  return { data: sortByX([...byX.values()], suggestion.x), keys: keys.slice(0, 12) };
}

function toNumber(v: Cell | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function sortByX(data: Record<string, Cell>[], x: string): Record<string, Cell>[] {
  return [...data].sort((a, b) => {
    const av = a[x];
    const bv = b[x];
    if (av === bv) return 0;
    if (av === null || av === undefined) return -1;
    if (bv === null || bv === undefined) return 1;
    return av < bv ? -1 : 1;
  });
}
