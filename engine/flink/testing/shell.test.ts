import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FlinkError, startFlink } from './shell.ts';
import type { FlinkShell } from './shell.ts';

let flink: FlinkShell;
before(async () => {
  flink = await startFlink((line) => console.log(line));
});
after(() => flink.close());

const source = "CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector'='datagen', 'number-of-rows'='20', 'fields.k.length'='1')";
const sink = (name: string): string => `CREATE TABLE ${name} (k STRING, n BIGINT) WITH ('connector'='blackhole')`;

test('EXPLAINs a statement set of two INSERTs and names the error of a bad one', async () => {
  const plan = await flink.explain([source, sink('a'), sink('b'), 'EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT k, v FROM src; INSERT INTO b SELECT k, COUNT(*) FROM src GROUP BY k; END']);
  assert.match(plan, /== Optimized Execution Plan ==/);
  assert.match(plan, /Sink\(table=\[default_catalog\.default_database\.a\]/);
  assert.match(plan, /Sink\(table=\[default_catalog\.default_database\.b\]/);
  await assert.rejects(flink.explain([source, sink('a'), 'INSERT INTO a SELECT k, v || k FROM src']), (error: unknown) => error instanceof FlinkError && /\|\|/.test(error.message));
});

test('runs a bounded job to its end and evaluates a batch query', async () => {
  const { job } = await flink.run([source, sink('a'), "SET 'parallelism.default' = '1'", 'INSERT INTO a SELECT k, v FROM src']);
  assert.match(job, /^[0-9a-f]{32}$/);
  const result = await flink.query(["SELECT x * 2, UPPER(s) FROM (VALUES (CAST(1.5 AS DOUBLE), 'a'), (CAST(NULL AS DOUBLE), CAST(NULL AS STRING))) AS v(x, s)"]);
  assert.deepEqual(result, { types: ['DOUBLE', 'STRING'], rows: [['3.0', 'A'], [null, null]] });
});

test('plans each query alone and reports only the rejected ones', async () => {
  const answers = await flink.plan("CREATE TABLE t (a DOUBLE, q INT) WITH ('connector'='datagen', 'number-of-rows'='1')", ['SELECT MOD(q, 7) FROM t', 'SELECT MOD(a, 7) FROM t']);
  assert.equal(answers[0], null);
  assert.match(answers[1] ?? '', /Cannot apply 'MOD'/);
});
