// The SQL Gateway client against a real Flink 1.20.3 SQL Gateway (flink-sql-gateway from Maven Central),
// started in the test JVM next to a MiniCluster: submit an exported job, see its id and status, see Flink's
// own error for a bad statement, and stop the job.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { dispatchCall } from '../api/dispatch.ts';
import { createStudioService } from '../api/service.ts';
import type { FlinkConnectionInfo, FlinkJobRef, FlinkTestResult } from '../api/contract.ts';
import { EngineError } from '../errors.ts';
import { checkFlinkConnection } from './check.ts';
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
let ports: { gateway: number; cluster: number };
let proxy: Server;
let proxyUrl: string;
const TOKEN = 'tok-3f9a-secret';
const root = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-gateway-'));
before(async () => {
  broker = await useTestBroker();
  flink = await startFlink((line) => console.log(line));
  ports = await flink.gateway();
  gateway = new FlinkGateway({ endpoint: `http://127.0.0.1:${ports.gateway}` });
  // A reverse proxy that wants a bearer token, as deployments put in front of the gateway (which has no login).
  proxy = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: ports.gateway, path: req.url, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${ports.gateway}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
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

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the Flink connection test names the layer that fails: DNS, TCP, TLS, not a SQL Gateway, auth', async () => {
  const direct = `http://127.0.0.1:${ports.gateway}`;
  assert.deepEqual(await checkFlinkConnection({ name: 'g', url: direct }), { ok: true, product: 'Apache Flink', version: '1.20.3' });
  assert.deepEqual(await checkFlinkConnection({ name: 'g', url: proxyUrl, token: TOKEN }), { ok: true, product: 'Apache Flink', version: '1.20.3' });
  const layer = async (url: string, extra: { token?: string; user?: string; password?: string } = {}) => {
    const r = await checkFlinkConnection({ name: 'g', url, ...extra }, 3000);
    assert.equal(r.ok, false, `${url} should fail`);
    return r.ok ? ['', ''] : [r.stage, r.message];
  };
  const [dns, dnsText] = await layer('http://no-such-host.invalid:8083');
  assert.equal(dns, 'dns');
  assert.match(dnsText!, /"no-such-host\.invalid" could not be resolved/);
  const closed = await closedPort();
  const [tcp, tcpText] = await layer(`http://127.0.0.1:${closed}`);
  assert.equal(tcp, 'tcp');
  assert.match(tcpText!, new RegExp(`Nothing is listening on 127\\.0\\.0\\.1:${closed}.*SQL Gateway`));
  const [tls, tlsText] = await layer(`https://127.0.0.1:${ports.gateway}`);
  assert.equal(tls, 'tls');
  assert.match(tlsText!, /did not speak TLS.*Use http:\/\//);
  // The MiniCluster's own REST port: Flink, but the JobManager's API, not the gateway's.
  const [http, httpText] = await layer(`http://127.0.0.1:${ports.cluster}`);
  assert.equal(http, 'http');
  assert.match(httpText!, /REST API of a Flink 1\.20\.3 JobManager, not a SQL Gateway/);
  const [none, noneText] = await layer(proxyUrl);
  assert.equal(none, 'auth');
  assert.match(noneText!, /wants credentials \(HTTP 401\)/);
  const [wrong, wrongText] = await layer(proxyUrl, { token: 'not-the-token' });
  assert.equal(wrong, 'auth');
  assert.match(wrongText!, /refused the token \(HTTP 401\)/);
  const [basic, basicText] = await layer(proxyUrl, { user: 'ops', password: 'pw' });
  assert.equal(basic, 'auth');
  assert.match(basicText!, /refused the user name or password for "ops"/);
});

test('saved Flink connections through the studio API: 0600 file, no secret returned, test, submit, status and stop by name', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-conn-'));
  const service = createStudioService({ mode: 'browser', lakeDir: path.join(root, 'api-lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new EngineError(outcome.error.code as 'ENG_HOST_REQUEST', outcome.error.message);
    return outcome.result;
  };
  try {
    const saved = await call('flinkSaveConnection', { connection: { name: 'prod-flink', url: `${proxyUrl}/`, token: TOKEN } }) as FlinkConnectionInfo;
    assert.deepEqual(saved, { name: 'prod-flink', url: proxyUrl, hasPassword: false, hasToken: true });
    assert.equal(statSync(path.join(home, 'flink.json')).mode & 0o777, 0o600);
    assert.ok(!JSON.stringify(await call('flinkConnections')).includes(TOKEN));
    const good = await call('flinkTestConnection', { name: 'prod-flink' }) as FlinkTestResult;
    assert.equal(good.ok, true, good.message);
    assert.match(good.message, /^Apache Flink 1\.20\.3 SQL Gateway at http:\/\/127\.0\.0\.1:\d+\.$/);
    // Saved again without the token (the form leaves it out): the stored one is kept.
    await call('flinkSaveConnection', { connection: { name: 'prod-flink', url: proxyUrl } });
    assert.equal((JSON.parse(readFileSync(path.join(home, 'flink.json'), 'utf8')) as { connections: { token?: string }[] }).connections[0]?.token, TOKEN);
    const typed = await call('flinkTestConnection', { connection: { name: 'prod-flink', url: proxyUrl, token: 'wrong' } }) as FlinkTestResult;
    assert.deepEqual([typed.ok, typed.failedAt], [false, 'auth']);

    // The generator's stand-in topic is the dataset's name on the `local` connection: here, the test broker.
    writeFileSync(path.join(home, 'connections.json'), JSON.stringify({ connections: [{ name: 'local', brokers: [broker.bootstrap] }] }), { mode: 0o600 });
    const admin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sales_orders', numPartitions: 1 }], waitForLeaders: true }).catch(() => false);
    await admin.disconnect();
    const doc = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'examples', 'sales-by-region.json'), 'utf8')) as PipelineDoc;
    const job = await call('flinkSubmit', { connection: 'prod-flink', doc }) as FlinkJobRef;
    assert.match(job.jobId, /^[0-9a-f]{32}$/);
    let status = '';
    for (let i = 0; i < 60 && status !== 'RUNNING'; i++) status = ((await call('flinkJobStatus', { connection: 'prod-flink', ...job })) as { status: string }).status;
    assert.equal(status, 'RUNNING');
    await call('flinkJobStop', { connection: 'prod-flink', ...job });
    for (let i = 0; i < 100 && status === 'RUNNING'; i++) status = ((await call('flinkJobStatus', { connection: 'prod-flink', ...job })) as { status: string }).status;
    assert.match(status, /^(CANCELED|CANCELLING|FINISHED)$/);

    const both = await dispatchCall(service, 'flinkSubmit', { connection: 'prod-flink', endpoint: proxyUrl, doc });
    assert.ok(!both.ok && both.error.code === 'ENG_HOST_REQUEST' && /exactly one of "connection"/.test(both.error.message), JSON.stringify(both));
    const unknown = await dispatchCall(service, 'flinkSubmit', { connection: 'nope', doc });
    assert.ok(!unknown.ok && unknown.error.code === 'ENG_FLINK_CONNECTION_UNKNOWN', JSON.stringify(unknown));
    // Through the proxy with no credentials: the gateway call says so instead of a JSON parse error.
    const bare = await dispatchCall(service, 'flinkJobStatus', { endpoint: proxyUrl, ...job });
    assert.ok(!bare.ok && /refused the request \(HTTP 401\)/.test(bare.error.message), JSON.stringify(bare));
    await call('flinkDeleteConnection', { name: 'prod-flink' });
    assert.deepEqual(await call('flinkConnections'), []);
  } finally {
    await service.close();
    rmSync(home, { recursive: true, force: true });
  }
});

function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const root = path.join(import.meta.dirname, '..', '..');
    const child = spawn(process.execPath, [path.join(root, 'engine', 'cli', 'bin.js'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('streamlake flink: add a connection (token from stdin), test it, submit an example through it, status and stop by job id', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-cli-'));
  const env = { STREAMLAKE_HOME: home, STREAMLAKE_KAFKA_BROKERS: broker.bootstrap };
  try {
    const added = await cli(['flink', 'add', 'gw', '--url', proxyUrl, '--token-stdin'], env, `${TOKEN}\n`);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(statSync(path.join(home, 'flink.json')).mode & 0o777, 0o600);
    const listed = await cli(['flink', 'connections', '--json'], env);
    assert.deepEqual(JSON.parse(listed.stdout), [{ name: 'gw', url: proxyUrl, hasPassword: false, hasToken: true }]);
    assert.ok(!listed.stdout.includes(TOKEN));
    const good = await cli(['flink', 'test', 'gw'], env);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /✓ Apache Flink 1\.20\.3 SQL Gateway/);
    const jobManager = await cli(['flink', 'test', `http://127.0.0.1:${ports.cluster}`], env);
    assert.equal(jobManager.code, 1);
    assert.match(jobManager.stderr, /✕ http: .*JobManager, not a SQL Gateway/);

    const admin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sales_orders', numPartitions: 1 }], waitForLeaders: true }).catch(() => false);
    await admin.disconnect();
    const example = path.join(import.meta.dirname, '..', '..', 'resources', 'examples', 'sales-by-region.json');
    const submitted = await cli(['flink', 'submit', example, '--connection', 'gw', '--lake', path.join(home, 'lake'), '--json'], env);
    assert.equal(submitted.code, 0, submitted.stderr);
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
    assert.match(jobId, /^[0-9a-f]{32}$/);
    // Waiting happens in process (each CLI call is a Node start); the CLI reads the status once per state.
    const direct = new FlinkGateway({ endpoint: `http://127.0.0.1:${ports.gateway}` });
    const settle = async (until: (status: string) => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !until(await direct.inSession((session) => direct.status(session, jobId))); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await settle((status) => status === 'RUNNING');
    assert.equal((await cli(['flink', 'status', jobId, '--connection', 'gw'], env)).stdout.trim(), 'RUNNING');
    const stopped = await cli(['flink', 'stop', jobId, '--connection', 'gw'], env);
    assert.equal(stopped.code, 0, stopped.stderr);
    await settle((status) => status !== 'RUNNING');
    assert.match((await cli(['flink', 'status', jobId, '--connection', 'gw'], env)).stdout.trim(), /^(CANCELED|CANCELLING|FINISHED)$/);
    const unknown = await cli(['flink', 'status', jobId, '--connection', 'nope'], env);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no Flink connection named "nope"/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
