// Every expression of the expression tests against real Flink 1.20.3: the translation is planned by Flink
// or refused by the exporter with a reason, and a sample is evaluated by Flink and by the engine on the same
// rows with equal results.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EngineError } from '../errors.ts';
import { compileExpression } from '../expr/index.ts';
import type { Row } from '../runtime/types.ts';
import { translate } from './expressions.ts';
import type { FlinkType } from './expressions.ts';
import { corpus, events, forms } from './testing/corpus.ts';
import type { Environment } from './testing/corpus.ts';
import { startFlink } from './testing/shell.ts';
import type { FlinkShell } from './testing/shell.ts';

let flink: FlinkShell;
before(async () => {
  flink = await startFlink((line) => console.log(line));
});
after(() => flink.close());

const sql = (text: string, env: Environment): string => {
  const t = translate(text, env.types);
  assert.ok(t.ok, `${text}: ${t.ok ? '' : t.reason}`);
  return t.sql;
};

test('the seven translations real Flink rejected now plan, and a comparison across types is refused', () => {
  assert.equal(sql('POSITION((s || region) IN name)', events), 'LOCATE(s || region, name)');
  assert.equal(sql('amount % 7', events), 'CAST(MOD(CAST(amount AS DECIMAL(38, 18)), 7) AS DOUBLE)');
  assert.equal(sql('concat(region, qty)', events), 'CONCAT(region, CAST(qty AS STRING))');
  assert.equal(sql('(qty || region) || qty', events), 'CAST(qty AS STRING) || region || CAST(qty AS STRING)');
  assert.equal(sql("t BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'", events), "t BETWEEN CAST(DATE '2026-01-01' AS TIMESTAMP(3)) AND CAST(DATE '2026-12-31' AS TIMESTAMP(3))");
  assert.equal(sql('"timestamp" > date', events), '`timestamp` > CAST(`date` AS TIMESTAMP(3))');
  assert.equal(sql('qty / 2', events), 'CAST(qty AS DOUBLE) / 2');
  const refused = translate('amount > region', events.types);
  assert.ok(!refused.ok && /compares a DOUBLE with a STRING/.test(refused.reason));
  const text = translate('concat(region, amount)', events.types);
  assert.ok(!text.ok && /DOUBLE into text/.test(text.reason));
});

test('every expression of the expression tests is planned by Flink 1.20.3 or refused by the exporter with a reason', async () => {
  const cases = [...corpus.map((text) => [text, events] as const), ...forms];
  const refused: string[] = [];
  for (const env of new Set(cases.map(([, e]) => e))) {
    const mine = cases.filter(([, e]) => e === env);
    const planned: [string, string][] = [];
    for (const [text] of mine) {
      const t = translate(text, env.types);
      if (t.ok) planned.push([text, t.sql]);
      else refused.push(`${text}: ${t.reason}`);
    }
    const answers = await flink.plan(`CREATE TABLE e (${env.ddl.join(', ')}) WITH ('connector'='datagen', 'number-of-rows'='1')`, planned.map(([, s]) => `SELECT ${s} AS v FROM e`));
    const rejected = planned.map(([text, s], i) => [text, s, answers[i]] as const).filter(([, , answer]) => answer !== null);
    assert.deepEqual(rejected.map(([text, s, answer]) => `${text} → ${s}: ${(answer ?? '').split('\n')[0]}`), [], 'Flink rejected exported translations');
  }
  // What the exporter refuses, and only that: a comparison across types, a DOUBLE printed as text, and
  // POSITION of a boolean (which the engine refuses for every event too).
  assert.deepEqual(refused.map((r) => r.split(':')[0]), ['amount > region', 'POSITION((a IN (b)) IN s)']);
  console.log(`planned ${cases.length - refused.length} of ${cases.length}; refused: ${refused.join(' | ')}`);
});

const rows: Row[] = [
  { amount: 120.5, qty: 3, region: 'EU', t: new Date('2026-03-04T05:06:07.890Z'), a: true, b: false, c: null, x: false, missing: null, 'weird col': 1 },
  { amount: -4, qty: 1, region: 'US', t: new Date('2025-12-31T23:59:59Z'), a: null, b: true, c: true, x: null, missing: 5, 'weird col': null },
  { amount: 7, qty: 3, region: null, t: null, a: false, b: null, c: false, x: true, missing: null, 'weird col': 2 },
  { amount: 0, qty: 4, region: 'APAC', t: new Date('2026-01-01T00:00:00Z'), a: true, b: true, c: true, x: true, missing: 2, 'weird col': 3 },
  {},
];
const rowColumns: [string, FlinkType][] = [['amount', 'DOUBLE'], ['qty', 'INT'], ['region', 'STRING'], ['t', 'TIMESTAMP'], ['a', 'BOOLEAN'], ['b', 'BOOLEAN'], ['c', 'BOOLEAN'], ['x', 'BOOLEAN'], ['missing', 'INT'], ['weird col', 'INT']];

function flinkLiteral(value: unknown, type: FlinkType): string {
  const flinkType = type === 'TIMESTAMP' ? 'TIMESTAMP(3)' : type;
  if (value === null || value === undefined) return `CAST(NULL AS ${flinkType})`;
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return `CAST(${String(value)} AS ${flinkType})`;
}

/** Flink's text of a value (Java toString) against the engine's value. */
function same(flinkValue: string | null, engine: unknown): boolean {
  if (engine === null || engine === undefined) return flinkValue === null;
  if (flinkValue === null) return false;
  if (typeof engine === 'number') {
    const f = Number(flinkValue);
    return f === engine || Math.abs(f - engine) <= 1e-9 * Math.max(Math.abs(f), Math.abs(engine));
  }
  if (typeof engine === 'boolean') return flinkValue === String(engine);
  if (engine instanceof Date) return Date.parse(`${flinkValue}Z`) === engine.getTime();
  return flinkValue === engine;
}

test('a sample evaluates to the same values on Flink and on the engine, row for row', async () => {
  const known = new Set(rowColumns.map(([name]) => name));
  const sample = corpus.filter((text) => {
    const compiled = compileExpression(text);
    if (!compiled.columns.every((c) => known.has(c))) return false;
    if (!translate(text, events.types).ok) return false;
    // Flink fails a whole query where the engine fails one event (division by zero, a bad cast): leave those out.
    return rows.every((row) => {
      try {
        compiled.evaluate(row);
        return true;
      } catch (error) {
        assert.ok(error instanceof EngineError);
        return false;
      }
    });
  });
  assert.ok(sample.length >= 35, `sample of ${sample.length}`);
  // Each row carries its index: Flink does not keep the order of VALUES rows once its operators run in
  // parallel (a CI run under load got them rotated by one), so its answers are matched by index.
  const values = rows.map((row, r) => `(${r}, ${rowColumns.map(([name, type]) => flinkLiteral(row[name], type)).join(', ')})`).join(', ');
  const names = ['`_row`', ...rowColumns.map(([name]) => `\`${name}\``)].join(', ');
  const select = ['`_row`', ...sample.map((text, i) => `${sql(text, events)} AS e${i}`)].join(', ');
  const answer = await flink.query([`SELECT ${select} FROM (VALUES ${values}) AS r(${names})`]);
  assert.equal(answer.rows.length, rows.length);
  const byRow = [...answer.rows].sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(byRow.map((row) => Number(row[0])), rows.map((_, r) => r), 'every row once');
  const result = { rows: byRow.map((row) => row.slice(1)), types: answer.types.slice(1) };
  const differences: string[] = [];
  sample.forEach((text, i) => {
    const compiled = compileExpression(text);
    rows.forEach((row, r) => {
      const engine = compiled.evaluate(row);
      const flinkValue = result.rows[r]?.[i] ?? null;
      if (!same(flinkValue, engine)) differences.push(`${text} on row ${r}: Flink ${flinkValue} (${result.types[i]}), engine ${String(engine)}`);
    });
  });
  assert.deepEqual(differences, []);
  console.log(`evaluated ${sample.length} expressions × ${rows.length} rows on both engines`);
});
