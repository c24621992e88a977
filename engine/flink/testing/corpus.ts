// The expressions of engine/expr/flink.test.ts with the column types they are meant for, so the Flink tests
// plan and evaluate exactly what the expression tests translate. Two column environments: `events` (the
// round-trip corpus: a, b, c and x are booleans) and `numbers` (the rendering tests that use a, b and c as
// numbers). Keep in step with engine/expr/flink.test.ts.
import type { FlinkType } from '../expressions.ts';

/** Flink column declarations (for a CREATE TABLE) and the exporter's view of the same types. */
export interface Environment {
  ddl: string[];
  types: ReadonlyMap<string, FlinkType>;
}

function environment(scalars: Record<string, FlinkType>): Environment {
  const ddlType = (t: FlinkType): string => (t === 'TIMESTAMP' ? 'TIMESTAMP(3)' : t === 'DECIMAL' ? 'DECIMAL(10, 2)' : t);
  const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;
  return {
    ddl: [
      ...Object.entries(scalars).map(([name, type]) => `${quote(name)} ${ddlType(type)}`),
      '`customer` ROW<`address` ROW<`city` STRING>>',
      '`user` ROW<`name` STRING>',
    ],
    types: new Map<string, FlinkType>([...Object.entries(scalars), ['customer.address.city', 'STRING'], ['user.name', 'STRING']]),
  };
}

const common: Record<string, FlinkType> = {
  amount: 'DOUBLE', qty: 'INT', region: 'STRING', t: 'TIMESTAMP', missing: 'INT', 'weird col': 'INT', s: 'STRING', name: 'STRING',
  event_time: 'TIMESTAMP', ts: 'TIMESTAMP', timestamp: 'TIMESTAMP', date: 'DATE', '1st': 'INT', 'Événement': 'STRING',
  'order id': 'STRING', 'a`b': 'STRING', views: 'INT', tables: 'INT',
};

export const events = environment({ ...common, a: 'BOOLEAN', b: 'BOOLEAN', c: 'BOOLEAN', x: 'BOOLEAN' });
export const numbers = environment({ ...common, a: 'INT', b: 'INT', c: 'INT', x: 'DOUBLE' });

/** The round-trip corpus (events). */
export const corpus: readonly string[] = [
  'amount > 0 AND region IS NOT NULL', 'upper(region)', 'amount >= 500', "customer.address.city || '-' || region",
  "CASE WHEN amount > 100 THEN 'big' WHEN amount > 10 THEN 'medium' ELSE 'small' END", "CASE region WHEN 'EU' THEN 1 ELSE 2 END",
  'CAST(qty AS DOUBLE) * amount', "CAST(qty AS STRING) || 'x'", 'TRY_CAST(region AS INT)', 'CAST(amount AS DECIMAL(6, 1))',
  "date_trunc('hour', t)", 'CEIL(t TO DAY)', 'EXTRACT(DOW FROM t) + EXTRACT(MINUTE FROM t)', "t > '2026-01-01 00:00:00'",
  "t + INTERVAL '90' MINUTE", "t - INTERVAL '1' MONTH > TIMESTAMP '2025-12-01 00:00:00'", 'region IN (\'EU\', \'US\', NULL)',
  'amount NOT BETWEEN -5 AND 5 + qty', "region NOT LIKE '%U'", "lower(region) LIKE 'e_'", 'NOT (amount > 10 OR qty < 2)',
  '-(amount - qty) * 2 / 4', 'amount % 7', 'mod(qty, 2) = 0', 'round(amount / 3, 2)', 'abs(-amount) + floor(amount) + ceil(amount)',
  'coalesce(missing, qty, 0)', 'nullif(qty, 3)', 'IF(qty > 2, amount, -amount)', 'greatest(qty, 3, amount)', 'least(qty, 3)',
  "substr(region, 1, 1) || SUBSTRING(region FROM 2)", "strpos(region, 'U')", "replace(region, 'E', 'e')", "concat(region, qty)",
  "trim(BOTH 'E' FROM region)", 'power(qty, 2) + sqrt(16)', 'length(region) * 2', "concat_ws('/', region, missing, 'x')",
  'amount / (qty - 3)', 'amount > region', '"weird col" + 1', 'user.name IS NULL', 'a AND b OR NOT c', 'x IS NOT TRUE',
  "t BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'", "year(t) * 100 + month(t)", 'qty - -qty', '(qty || region) || qty',
];

/** The rendering tests, each with the environment it reads naturally in. */
export const forms: readonly (readonly [string, Environment])[] = [
  ['length(name)', events], ["date_trunc('minute', event_time)", events], ['substr(s, 2, 3)', events], ['substring(s, 2)', events],
  ["strpos(s, 'x')", events], ["locate('x', s)", events], ['a % 3', numbers], ['a != b', numbers], ['ceiling(x)', numbers],
  ['hour(ts)', events], ['trim(s)', events], ["trim(leading 'x' from s)", events], ['cast(a as decimal(12,2))', numbers],
  ['cast(s as timestamp)', events], ['cast(a as integer)', events], ['try_cast(a as varchar(4))', numbers],
  ["timestamp '2026-01-01T10:00:00Z'", events], ["TIMESTAMP '2026-01-01 10:00:00.5'", events], ["date '2026-1-2'", events],
  ["interval '5' minute", events], ["interval '120' day", events], ["'it''s'", events], ['.5 + 1e3', events],
  ["s like 'a!%' escape '!'", events], ['a is unknown', events], ['coalesce(a, 0) + ifnull(b, 1)', numbers], ['amount', events],
  ['"order id"', events], ['`a``b`', events], ['user.name', events], ['"timestamp" > date', events], ['"1st"', events],
  ['Événement', events], ['customer.address.city', events], ['(a + b) * c', numbers], ['a + (b * c)', numbers],
  ['a - (b - c)', numbers], ['(a - b) - c', numbers], ['(a OR b) AND c', events], ['NOT (a AND b)', events], ['-(a + 1)', numbers],
  ['- -a', numbers], ['(a = b) = c', events], ['(a > 1) IS TRUE', numbers], ['(a IS NULL) = TRUE', events],
  ['x BETWEEN (a AND b) AND c', events], ['POSITION((s || region) IN name)', events], ['POSITION((a IN (b)) IN s)', events],
  ['strpos(s, upper(name))', events], ['views + tables', numbers],
];
