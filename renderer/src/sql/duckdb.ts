// DuckDB SQL for the workbench's editor: the dialect (keywords, types, built-ins) for highlighting, and
// completion of lake tables, their columns (with types), `table@tag` / `table@branch` refs and functions.
// Tables, columns and refs come from the host's lake listing (sqlCatalog); nothing here is guessed.
import type { Completion, CompletionContext, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import { SQLDialect, PostgreSQL } from '@codemirror/lang-sql';
import type { SqlCatalogTable } from '../../../engine/api/contract.ts';

/** DuckDB's common functions (aggregates, text, time, lists, structs): completed and highlighted. */
export const duckdbFunctions: readonly string[] = [
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'any_value', 'arg_max', 'arg_min', 'bool_and', 'bool_or', 'first', 'last', 'list', 'string_agg',
  'median', 'mode', 'quantile_cont', 'quantile_disc', 'approx_count_distinct', 'approx_quantile', 'stddev', 'stddev_pop', 'variance', 'var_pop', 'corr', 'histogram',
  // window
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value',
  // text
  'lower', 'upper', 'length', 'concat', 'concat_ws', 'substr', 'substring', 'replace', 'trim', 'ltrim', 'rtrim', 'lpad', 'rpad', 'left', 'right',
  'starts_with', 'ends_with', 'contains', 'position', 'strpos', 'split_part', 'string_split', 'regexp_matches', 'regexp_replace', 'regexp_extract', 'format', 'printf', 'md5', 'hash',
  // numbers
  'abs', 'round', 'floor', 'ceil', 'sqrt', 'pow', 'power', 'exp', 'ln', 'log', 'log10', 'log2', 'sign', 'greatest', 'least', 'random',
  // time
  'now', 'current_date', 'current_timestamp', 'date_trunc', 'date_part', 'date_diff', 'date_add', 'date_sub', 'datediff', 'extract', 'epoch', 'epoch_ms',
  'make_date', 'make_timestamp', 'strftime', 'strptime', 'to_timestamp', 'time_bucket', 'year', 'month', 'day', 'hour', 'minute', 'second', 'dayofweek', 'week', 'last_day', 'age',
  // conditionals and types
  'coalesce', 'ifnull', 'nullif', 'if', 'cast', 'try_cast', 'typeof',
  // lists, structs, JSON
  'list_value', 'list_contains', 'list_aggregate', 'list_distinct', 'list_sort', 'unnest', 'len', 'array_length', 'struct_extract', 'struct_pack',
  'json_extract', 'json_extract_string', 'json_array_length', 'to_json',
  // table functions
  'range', 'generate_series', 'read_parquet', 'read_csv', 'read_json', 'iceberg_scan', 'iceberg_snapshots', 'iceberg_metadata',
];

export const duckdb = SQLDialect.define({
  ...PostgreSQL.spec,
  keywords: `${PostgreSQL.spec.keywords ?? ''} qualify pivot unpivot asof positional anti semi exclude replace columns describe summarize pragma install load attach detach sample using`,
  builtin: `${PostgreSQL.spec.builtin ?? ''} ${duckdbFunctions.join(' ')}`,
  types: `${PostgreSQL.spec.types ?? ''} hugeint uhugeint utinyint usmallint uinteger ubigint varchar blob list struct map union enum uuid timestamptz`,
  doubleDollarQuotedStrings: true,
});

/** A query's ref suffix being typed: `sales_by_region@nig` → table and partial ref. */
export function refAt(before: string): { table: string; partial: string } | undefined {
  const m = /([A-Za-z_][\w.]*)@([\w.-]*)$/.exec(before);
  return m ? { table: m[1] ?? '', partial: m[2] ?? '' } : undefined;
}

/** Everything the lake offers for completion, built once per catalog. */
export function catalogCompletions(catalog: readonly SqlCatalogTable[]): { tables: Completion[]; columns: Completion[]; functions: Completion[] } {
  const tables = catalog.map((t): Completion => ({ label: t.table, type: 'class', detail: `table · ${t.columns.length} columns${t.refs.length > 0 ? ` · @${t.refs.join(' @')}` : ''}`, boost: 2 }));
  const seen = new Map<string, Completion>();
  for (const t of catalog) {
    for (const c of t.columns) {
      const known = seen.get(c.name);
      if (known) known.detail = `${known.detail ?? ''}, ${t.table}`;
      else seen.set(c.name, { label: c.name, type: 'property', detail: `${c.type.toLowerCase()} · ${t.table}`, boost: 1 });
    }
  }
  const functions = duckdbFunctions.map((f): Completion => ({ label: f, type: 'function', detail: 'function', apply: `${f}(` }));
  return { tables, columns: [...seen.values()], functions };
}

/** Completion of tables, columns, functions and `table@ref`. */
export function lakeCompletionSource(catalog: () => readonly SqlCatalogTable[]): CompletionSource {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const ref = refAt(before);
    if (ref) {
      const table = catalog().find((t) => t.table === ref.table);
      if (!table) return null;
      return {
        from: context.pos - ref.partial.length,
        options: table.refs.map((r) => ({ label: r, type: 'constant', detail: `tag or branch of ${table.table}` })),
        validFor: /^[\w.-]*$/,
      };
    }
    const word = context.matchBefore(/[A-Za-z_][\w]*/);
    if (!word && !context.explicit) return null;
    // Inside a quoted string or after a dot (struct fields), leave it to the user.
    if (/'[^']*$/.test(before.replace(/''/g, ''))) return null;
    const all = catalogCompletions(catalog());
    return { from: word ? word.from : context.pos, options: [...all.tables, ...all.columns, ...all.functions], validFor: /^\w*$/ };
  };
}
