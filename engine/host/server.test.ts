// The web host over real sockets: the typed client over the WebSocket transport, the HTTP API, the token,
// Host and Origin checks, and /metrics.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createClient } from '../api/client.ts';
import type { StudioClient, StudioEvent } from '../api/contract.ts';
import { createStudioService } from '../api/service.ts';
import type { StudioService } from '../api/service.ts';
import { createWsTransport } from '../api/transport-ws.ts';
import type { SocketLike, WsTransport } from '../api/transport-ws.ts';
import { EngineError } from '../errors.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import { startWebHost } from './server.ts';
import type { WebHost } from './server.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a raw WebSocket and reports how the upgrade ended. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.on('error', () => resolve({ opened: false }));
  });
}

const nodeSocket = (url: string): SocketLike => new WebSocket(url) as unknown as SocketLike;

const samplePipeline: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'files-roundtrip',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 10, seed: 1 } },
    { id: 'big', type: 'transform.filter', config: { where: 'amount > 100' } },
    { id: 'out', type: 'sink.preview', config: {} },
  ],
  edges: [{ from: 'orders', to: 'big' }, { from: 'big', to: 'out' }],
  layout: { orders: { x: 0, y: 0 } },
};

describe('web host', () => {
  let home: string;
  let service: StudioService;
  let host: WebHost;
  let transport: WsTransport;
  let api: StudioClient;
  const token = 'test-token-0123456789';

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-host-'));
    const renderer = join(home, 'renderer');
    await mkdir(renderer);
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Streamlake</title>');
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home, metricsPath: '/metrics' });
    host = await startWebHost({ port: 0, service, token, metricsToken: 'metrics-only-token', rendererDir: renderer });
    transport = createWsTransport({ baseUrl: `http://127.0.0.1:${host.port}`, token, socket: nodeSocket });
    api = createClient(transport);
  });

  after(async () => {
    transport.close();
    await host.close();
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('prints a loopback URL carrying the token', () => {
    assert.equal(host.url, `http://127.0.0.1:${host.port}/?token=${token}`);
    assert.equal(host.host, '127.0.0.1');
  });

  test('the typed client calls methods over the WebSocket', async () => {
    const info = await api.hostInfo();
    assert.equal(info.mode, 'browser');
    assert.equal(info.homeDir, home);
    assert.equal(info.pipelinesDir, join(home, 'pipelines'));
    assert.equal(info.nativeDialogs, false);
    const status = await api.runStatus();
    assert.equal(status.state, 'idle');
  });

  test('examples: the sales example on the generator is featured and valid', async () => {
    const examples = await api.examplesList();
    const featured = examples.filter((e) => e.featured);
    assert.equal(featured.length, 1);
    assert.ok(featured[0]?.doc.nodes.some((n) => n.type === 'source.generator' && n.config.dataset === 'sales_orders'));
    for (const example of examples) assert.equal((await api.pipelineValidate({ doc: example.doc })).ok, true, example.id);
  });

  test('a new connection receives the run status event at once', async () => {
    const events: StudioEvent[] = [];
    const second = createWsTransport({ baseUrl: `http://127.0.0.1:${host.port}`, token, socket: nodeSocket });
    const seen = new Promise<StudioEvent>((resolve) => second.subscribe((e) => { events.push(e); resolve(e); }));
    const event = await seen;
    second.close();
    assert.equal(event.type, 'run.status');
    assert.equal(event.type === 'run.status' && event.status.state, 'idle');
  });

  test('validation failures come back as EngineError with code and a message naming the path', async () => {
    await assert.rejects(() => api.nodePreview({ nodeId: '' }), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'ENG_HOST_REQUEST');
      assert.match(error.message, /nodePreview params\.nodeId must be a non-empty string/);
      return true;
    });
    await assert.rejects(() => api.sqlRun({ sql: 'select 1', version: { snapshot: '1', tag: 'x' } }), /at most one of snapshot, tag, branch, asOf/);
  });

  test('files: save, list, open, recent, autosave; paths cannot leave the pipelines folder', async () => {
    const saved = await api.fileSave({ path: 'sales', doc: samplePipeline });
    assert.equal(saved.path, 'sales.json');
    assert.equal(saved.name, 'files-roundtrip');
    const list = await api.fileList();
    assert.deepEqual(list.map((f) => f.path), ['sales.json']);
    const opened = await api.fileOpen({ path: 'sales.json' });
    assert.deepEqual(opened.doc?.nodes.map((n) => n.id), ['orders', 'big', 'out']);
    const exported = await api.pipelineExport({ doc: samplePipeline });
    assert.equal(opened.text, exported.text);
    assert.deepEqual((await api.fileRecent()).map((f) => f.path), ['sales.json']);
    await assert.rejects(() => api.fileSave({ path: 'sales', doc: samplePipeline, overwrite: false }), /already exists/);
    await assert.rejects(() => api.fileOpen({ path: '../../etc/passwd' }), (e: unknown) => e instanceof EngineError && e.code === 'ENG_HOST_FILE');
    await assert.rejects(() => api.fileOpen({ path: '/etc/passwd.json' }), (e: unknown) => e instanceof EngineError && e.code === 'ENG_HOST_FILE');
    const unfinished = { ...samplePipeline, nodes: [{ id: 'half', type: 'transform.filter' }], edges: [] } as unknown as PipelineDoc;
    const draft = await api.fileSave({ path: 'draft', doc: unfinished });
    assert.equal(draft.path, 'draft.json', 'an unfinished pipeline can still be saved');
    const reopened = await api.fileOpen({ path: 'draft.json' });
    assert.ok(reopened.problems && reopened.problems.length > 0 && reopened.doc === undefined, 'and opens with its problems listed');
    await api.fileDelete({ path: 'draft.json' });
    assert.equal(await api.autosaveRead(), null);
    await api.autosaveWrite({ doc: samplePipeline, path: 'sales.json' });
    const slot = await api.autosaveRead();
    assert.equal(slot?.path, 'sales.json');
    assert.equal(slot?.doc.name, 'files-roundtrip');
  });

  test('import reports every problem of an invalid document', async () => {
    const bad = await api.pipelineImport({ text: '{"format":"streamlake.pipeline","version":1,"name":"x","nodes":[{"id":"a","type":"source.nope","config":{}}],"edges":[{"from":"a","to":"missing"}]}' });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.problems.length >= 2, 'unknown type and dangling edge');
    const notJson = await api.pipelineImport({ text: '{ nope' });
    assert.ok(!notJson.ok && /line 1/.test(notJson.problems[0]?.message ?? ''));
  });

  test('HTTP API answers with the token and refuses without it', async () => {
    const ok = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { result: { mode: string } }).result.mode, 'browser');
    const missing = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(missing.status, 401);
    const wrong = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' } });
    assert.equal(wrong.status, 401);
    assert.equal((JSON.parse(wrong.body) as { error: { code: string } }).error.code, 'ENG_HOST_AUTH');
    const form = await http(host.port, `/api/hostInfo?token=${token}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(form.status, 415, 'a body a cross-site form could send is refused');
    const unknown = await http(host.port, '/api/deleteEverything', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    assert.equal(unknown.status, 404);
    const badParams = await http(host.port, '/api/lakeTable', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"table":"x","extra":1}' });
    assert.equal(badParams.status, 400);
    assert.match(badParams.body, /unknown field \\"extra\\"/);
  });

  test('a foreign Origin or Host is refused with 403, on HTTP and on the WebSocket', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const foreign = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { ...headers, origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    const sameOrigin = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { ...headers, origin: `http://127.0.0.1:${host.port}` } });
    assert.equal(sameOrigin.status, 200);
    const rebound = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { ...headers, host: `evil.example:${host.port}` } });
    assert.equal(rebound.status, 403, 'DNS rebinding: a foreign name in Host');
    const otherPort = await http(host.port, '/', { headers: { host: `127.0.0.1:${host.port + 1}` } });
    assert.equal(otherPort.status, 403);

    const wsBase = `ws://127.0.0.1:${host.port}/ws`;
    assert.deepEqual(await upgrade(`${wsBase}?token=${token}`), { opened: true });
    assert.deepEqual(await upgrade(`${wsBase}?token=wrong`), { opened: false, status: 401 });
    assert.deepEqual(await upgrade(wsBase), { opened: false, status: 401 });
    assert.deepEqual(await upgrade(`${wsBase}?token=${token}`, { origin: 'http://evil.example' }), { opened: false, status: 403 });
    assert.deepEqual(await upgrade(`${wsBase}?token=${token}`, { host: `rebind.example:${host.port}` }), { opened: false, status: 403 });
  });

  test('static files come with a strict CSP and need no token; index.html is the client-route fallback', async () => {
    const page = await http(host.port, '/');
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const route = await http(host.port, '/lake/sales');
    assert.equal(route.status, 200);
    assert.match(route.body, /<title>Streamlake/);
    const icon = await http(host.port, '/favicon.ico');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['content-type'], 'image/x-icon');
    const traversal = await http(host.port, '/..%2f..%2f..%2fetc%2fpasswd');
    assert.notEqual(traversal.body.includes('root:'), true);
  });

  test('a run started through the client streams status and metrics events, previews rows, and stops', async () => {
    const events: StudioEvent[] = [];
    const unsubscribe = api.subscribe((e) => events.push(e));
    const doc: PipelineDoc = {
      ...samplePipeline,
      name: 'live-run',
      nodes: [
        { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 3, eventsPerSecond: 2000 } },
        { id: 'big', type: 'transform.filter', config: { where: 'amount > 100' } },
        { id: 'out', type: 'sink.preview', config: {} },
      ],
    };
    const started = await api.runStart({ doc, options: { fresh: true } });
    assert.equal(started.state, 'running');
    assert.equal(started.pipelineName, 'live-run');
    await assert.rejects(() => api.runStart({ doc }), (e: unknown) => e instanceof EngineError && e.code === 'ENG_RUN_STATE');
    // Wait for a tick in which rows reached the sink (event-driven; no fixed sleep).
    const tick = await new Promise<Extract<StudioEvent, { type: 'metrics.tick' }>>((resolve) => {
      const stop = api.subscribe((e) => {
        if (e.type === 'metrics.tick' && (e.snapshot.nodes.out?.in ?? 0) > 0) {
          stop();
          resolve(e);
        }
      });
    });
    assert.equal(tick.snapshot.pipeline, 'live-run');
    assert.deepEqual(tick.snapshot.edges.map((e) => `${e.from}->${e.to}`), ['orders->big', 'big->out']);
    const preview = await api.nodePreview({ nodeId: 'out', limit: 5 });
    assert.ok(preview.rows.length > 0 && preview.rows.length <= 5);
    assert.equal(typeof preview.rows[0]?.event_time, 'string', 'timestamps cross the boundary as ISO text');
    assert.ok((preview.rows[0]?.amount as number) > 100);
    const scraped = await http(host.port, '/metrics', { headers: { authorization: `Bearer ${token}` } });
    assert.match(scraped.body, /^streamlake_run_up\{pipeline="live-run"\} 1$/m);
    assert.match(scraped.body, /^streamlake_node_events_in_total\{pipeline="live-run",node="orders"\} \d+$/m);
    const stopped = await api.runStop();
    assert.equal(stopped.state, 'finished');
    assert.ok(stopped.eventsTotal > 0);
    const final = await api.runMetrics();
    assert.ok(final && Object.values(final.nodes).every((n) => n.rateIn === 0 && n.rateOut === 0), 'a finished run shows no flow');
    assert.ok((final.nodes.orders?.in ?? 0) > 0, 'but keeps its counts');
    const history = await api.metricsHistory({ names: ['events_per_second'] });
    assert.ok(history.some((s) => s.nodeId === undefined && s.points.length > 0));
    unsubscribe();
    const states = events.filter((e) => e.type === 'run.status').map((e) => e.type === 'run.status' ? e.status.state : '');
    assert.ok(states.includes('running') && states.at(-1) === 'finished', `status events: ${states.join(',')}`);
    await api.runReset({ pipelineName: 'live-run' });
  });

  test('/metrics needs a token; the metrics-only token opens /metrics and nothing else', async () => {
    assert.equal((await http(host.port, '/metrics')).status, 401);
    const scraped = await http(host.port, '/metrics', { headers: { authorization: 'Bearer metrics-only-token' } });
    assert.equal(scraped.status, 200);
    assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(scraped.body, /^# HELP streamlake_run_up /m);
    assert.match(scraped.body, /^# TYPE streamlake_run_up gauge$/m);
    assert.match(scraped.body, /^streamlake_run_up(\{pipeline="[^"]*"\})? 0$/m);
    const withMain = await http(host.port, `/metrics?token=${token}`);
    assert.equal(withMain.status, 200);
    const api2 = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { authorization: 'Bearer metrics-only-token', 'content-type': 'application/json' } });
    assert.equal(api2.status, 401);
  });
});

test('a host started with folders owns its service and serves the API', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-host-'));
  const host = await startWebHost({ port: 0, lakeDir: join(home, 'lake'), homeDir: home });
  try {
    const reply = await http(host.port, '/api/hostInfo', { method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' } });
    assert.equal((JSON.parse(reply.body) as { result: { lakeDir: string } }).result.lakeDir, join(home, 'lake'));
  } finally {
    await host.close();
    await rm(home, { recursive: true, force: true });
  }
});

test('the web host refuses to bind anything but loopback', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-host-'));
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  try {
    for (const address of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      await assert.rejects(() => startWebHost({ port: 0, host: address, service }), /loopback interface only/);
    }
  } finally {
    await service.close();
    await rm(home, { recursive: true, force: true });
  }
});

test('the WebSocket transport reconnects after the host restarts; calls made meanwhile wait for it', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-host-'));
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const token = 'reconnect-token';
  let host = await startWebHost({ port: 0, service, token });
  const port = host.port;
  const changes: boolean[] = [];
  let changed: (() => void) | null = null;
  const transport = createWsTransport({
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    socket: nodeSocket,
    minDelayMs: 20,
    maxDelayMs: 100,
    onConnectionChange: (connected) => {
      changes.push(connected);
      changed?.();
    },
  });
  const api = createClient(transport);
  try {
    assert.equal((await api.hostInfo()).mode, 'browser');
    const dropped = new Promise<void>((resolve) => { changed = resolve; });
    await host.close();
    await dropped;
    assert.equal(transport.connected(), false);
    const pending = api.runStatus();
    host = await startWebHost({ port, service, token });
    assert.equal((await pending).state, 'idle');
    assert.deepEqual(changes, [true, false, true]);
    // With the host gone for good, a call fails once the queue timeout passes instead of hanging.
    const gone = createWsTransport({ baseUrl: 'http://127.0.0.1:1', token, socket: nodeSocket, minDelayMs: 20, maxDelayMs: 50, queueTimeoutMs: 200 });
    await assert.rejects(() => createClient(gone).hostInfo(), (e: unknown) => e instanceof EngineError && e.code === 'ENG_HOST_DISCONNECTED' && /hostInfo was not sent/.test(e.message));
    gone.close();
  } finally {
    transport.close();
    await host.close();
    await service.close();
    await rm(home, { recursive: true, force: true });
  }
  await assert.rejects(() => api.hostInfo(), (e: unknown) => e instanceof EngineError && e.code === 'ENG_HOST_DISCONNECTED');
});
