// The SQL Gateway client against a real Flink 1.20.3 SQL Gateway (flink-sql-gateway from Maven Central),
// started in the test JVM next to a MiniCluster: submit an exported job, see its id and status, see Flink's
// own error for a bad statement, and stop the job.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineError } from '../errors.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import { kafkaClient } from '../kafka/connections.ts';
import { uniqueTopic, useTestBroker } from '../testing/kafka.ts';
import type { TestBroker } from '../testing/kafka.ts';
import { exportFlink } from './export.ts';
import { FlinkGateway, substitute } from './gateway.ts';
import { startFlink } from './testing/shell.ts';
import type { FlinkShell } from './testing/shell.ts';

let flink: FlinkShell;
let broker: TestBroker;
let gateway: FlinkGateway;
const root = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-gateway-'));
before(async () => {
  broker = await useTestBroker();
  flink = await startFlink((line) => console.log(line));
  const ports = await flink.gateway();
  gateway = new FlinkGateway({ endpoint: `http://127.0.0.1:${ports.gateway}` });
});
after(async () => {
  await flink.close();
  await broker.release();
  rmSync(root, { recursive: true, force: true });
});

test('placeholders must all have values before a job is submitted', () => {
  assert.deepEqual(substitute(["'x' = '${A_B}'"], { A_B: "it's" }), ["'x' = 'it''s'"]);
  assert.throws(() => substitute(['${A}', '${B}'], { A: '1' }), (e: unknown) => e instanceof EngineError && e.code === 'ENG_FLINK_PLACEHOLDER' && /set B before/.test(e.message));
});

test('an exported job is submitted to a real SQL Gateway, runs, reports its status and stops', async () => {
  assert.equal(await gateway.version(), '1.20.3');
  const topic = uniqueTopic('flink-gateway');
  const local = { name: 'local', brokers: [broker.bootstrap] };
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const doc = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'examples', 'sales-by-region.json'), 'utf8')) as PipelineDoc;
  const out = exportFlink(doc, { lakeDir: path.join(root, 'lake'), connections: [local], generatorTopics: { orders: { topic, connection: 'local' } } });
  const { jobId, session } = await gateway.submit(substitute(out.statements, {}));
  assert.match(jobId, /^[0-9a-f]{32}$/);
  let status = '';
  for (let i = 0; i < 60 && status !== 'RUNNING'; i++) {
    status = await gateway.status(session, jobId);
    if (status !== 'RUNNING') await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(status, 'RUNNING');
  await gateway.stop(session, jobId);
  let stopped = '';
  for (let i = 0; i < 100; i++) {
    stopped = await gateway.status(session, jobId);
    if (stopped !== 'RUNNING') break;
  }
  assert.match(stopped, /^(CANCELED|CANCELLING|FINISHED)$/);
  await gateway.closeSession(session);
});

test("a statement Flink refuses comes back with Flink's own error", async () => {
  const session = await gateway.openSession();
  await gateway.execute(session, "CREATE TABLE t (a DOUBLE) WITH ('connector' = 'datagen')");
  await assert.rejects(gateway.execute(session, 'SELECT MOD(a, 7) FROM t'), (e: unknown) => e instanceof EngineError && e.code === 'ENG_FLINK_GATEWAY' && /Cannot apply 'MOD'/.test(e.message));
  await assert.rejects(gateway.stop(session, 'not-a-job'), /not a Flink job id/);
  await gateway.closeSession(session);
  await assert.rejects(new FlinkGateway({ endpoint: 'http://127.0.0.1:9' }).version(), (e: unknown) => e instanceof EngineError && /cannot reach the Flink SQL Gateway/.test(e.message));
});
