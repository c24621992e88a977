// Attacks on the web host's request handling, over real sockets on loopback: bodies over the limit, slow
// bodies, many big bodies at once, malformed percent-encoding and request targets, and a bounded fuzz of
// the HTTP and WebSocket API (random method names and bodies). The host must answer each with a 4xx (or an
// error reply on the WebSocket) and stay up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { studioMethods } from '../api/contract.ts';
import { createStudioService, type StudioService } from '../api/service.ts';
import { startWebHost, type WebHost } from './server.ts';
import { randomFloats } from '../testing/random.ts';

const token = 'attack-test-token-0123456789';
const limit = 4096;

interface Reply {
  status: number;
  body: string;
}

/** One HTTP request; `body` may be sent in pieces (chunked when no length is declared). */
function http(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw request written by hand, for what Node's client refuses to send; resolves with the status line's code. */
function raw(port: number, text: string | Buffer, { end = true } = {}): Promise<Reply & { socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const head = received.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(received.slice(0, head))?.[1] ?? NaN);
      if (Number.isFinite(length) && received.length - head - 4 < length) return;
      resolve({ status: Number(received.slice(9, 12)), body: received.slice(head + 4), socket });
      socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(received.slice(9, 12)) || 0, body: received, socket }));
    socket.write(text);
    if (end) socket.end();
  });
}

function errorCode(reply: Reply): string {
  try {
    return (JSON.parse(reply.body) as { error?: { code?: string } }).error?.code ?? `no error in ${reply.body.slice(0, 200)}`;
  } catch {
    return `not JSON: ${reply.body.slice(0, 200)}`;
  }
}

describe('web host under attack', () => {
  let home: string;
  let service: StudioService;
  let host: WebHost;
  let hostHeader: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-attacks-'));
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
    host = await startWebHost({ port: 0, service, token, rendererDir: join(home, 'no-renderer'), maxPayloadBytes: limit, maxInFlightBytes: 6000, bodyTimeoutMs: 1000 });
    hostHeader = `127.0.0.1:${host.port}`;
  });

  after(async () => {
    await host.close();
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a body over the limit gets 413 with a JSON error, declared or chunked', async () => {
    const big = JSON.stringify({ doc: 'x'.repeat(limit * 4) });
    const declared = await http(host.port, '/api/pipelineValidate', { body: big });
    assert.equal(declared.status, 413);
    assert.equal(errorCode(declared), 'ENG_HOST_TOO_LARGE');
    const chunked = await raw(host.port, `POST /api/pipelineValidate HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${(limit * 2).toString(16)}\r\n${'y'.repeat(limit * 2)}\r\n0\r\n\r\n`);
    assert.equal(chunked.status, 413);
    assert.equal(errorCode(chunked), 'ENG_HOST_TOO_LARGE');
    assert.equal((await http(host.port, '/api/runStatus')).status, 200, 'the host still answers');
  });

  test('malformed percent-encoding and request targets get 400, not 500', async () => {
    for (const path of ['/api/%E0%A4%A', '/api/%', '/api/%zz', '/api/run%ff']) {
      const reply = await http(host.port, path, { body: '{}' });
      assert.equal(reply.status, 400, `${path}: ${reply.body}`);
      assert.equal(errorCode(reply), 'ENG_HOST_REQUEST');
    }
    const target = await raw(host.port, `POST // HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Length: 0\r\n\r\n`);
    assert.ok(target.status >= 400 && target.status < 500, `"//" answered ${target.status}`);
  });

  test('a body that stops arriving is answered 408 after the body timeout', async () => {
    // Declares 100 bytes, sends 10, then waits: the old host held such requests for about 5 minutes.
    const reply = await raw(host.port, `POST /api/pipelineValidate HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"doc": 12`, { end: false });
    assert.equal(reply.status, 408);
    assert.equal(errorCode(reply), 'ENG_HOST_TIMEOUT');
  });

  test('bodies read at the same time share a memory cap', async () => {
    // Each holds 4000 bytes (under the 4096 limit) and then stalls; together they would pass the 6000 cap.
    // Whichever the host reads second is refused at once (503); the other waits out the body timeout (408).
    const head = (length: number): string => `POST /api/pipelineValidate HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const replies = await Promise.all([0, 1].map(() => raw(host.port, head(4090) + ' '.repeat(4000), { end: false })));
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [408, 503], replies.map((reply) => reply.body).join('\n'));
    assert.deepEqual(replies.map(errorCode).sort(), ['ENG_HOST_TIMEOUT', 'ENG_HOST_TOO_LARGE']);
    assert.equal((await http(host.port, '/api/runStatus')).status, 200, 'the budget is given back');
  });

  test('a WebSocket message over the limit closes that socket with 1009, and the host stays up', async () => {
    const ws = new WebSocket(`ws://${hostHeader}/ws?token=${token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, method: 'pipelineValidate', params: { doc: 'x'.repeat(limit * 2) } }));
    assert.equal(await closed, 1009);
    assert.equal((await http(host.port, '/api/runStatus')).status, 200);
  });

  test('fuzz: random HTTP methods, paths and bodies all get a 4xx and the host stays up', async () => {
    const seed = Number(process.env.STREAMLAKE_FUZZ_SEED ?? randomBytes(4).readUInt32LE());
    const next = randomFloats(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const real = Object.keys(studioMethods);
    const names = (): string => pick([
      () => randomBytes(1 + Math.floor(next() * 20)).toString('hex'),
      () => encodeURIComponent(randomBytes(1 + Math.floor(next() * 12)).toString('latin1')),
      () => `%${randomBytes(1).toString('hex').slice(0, 1 + Math.floor(next() * 2))}`,
      () => pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(5000)]),
      () => pick(real),
    ])();
    const bodies = (): string => pick([
      () => randomBytes(Math.floor(next() * 200)).toString('latin1'),
      () => JSON.stringify(pick([null, 0, -1, 1e308, 'x', [], [1, 2], true, { __proto__: { polluted: true } }, { params: {} }])),
      () => '['.repeat(1800) + ']'.repeat(1800),
      () => `{"a":${'{"a":'.repeat(700)}1${'}'.repeat(701)}`,
      () => '{"constructor":{"prototype":{"polluted":1}}}',
      () => '',
    ])();
    const verbs = ['POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
    const cases = 300;
    for (let i = 0; i < cases; i++) {
      const name = names();
      const verb = pick(verbs);
      const body = bodies();
      const reply = await http(host.port, `/api/${name}`, { method: verb, body: verb === 'GET' ? undefined : body }).catch((error: unknown) => {
        throw new Error(`seed ${seed} case ${i}: ${verb} /api/${name.slice(0, 80)} with ${JSON.stringify(body.slice(0, 80))}: ${String(error)}`);
      });
      // A real method with a body that happens to be valid may succeed; nothing may fail with 5xx.
      const ok = reply.status >= 400 && reply.status < 500 || (reply.status === 200 && real.includes(name));
      assert.ok(ok, `seed ${seed} case ${i}: ${verb} /api/${name.slice(0, 80)} with ${JSON.stringify(body.slice(0, 80))} answered ${reply.status} ${reply.body.slice(0, 300)}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    assert.equal((await http(host.port, '/api/runStatus')).status, 200);
  });

  test('fuzz: random WebSocket messages all get an error reply and the socket stays usable', async () => {
    const seed = Number(process.env.STREAMLAKE_FUZZ_SEED ?? randomBytes(4).readUInt32LE());
    const next = randomFloats(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const ws = new WebSocket(`ws://${hostHeader}/ws?token=${token}`);
    const replies: { id?: number; result?: unknown; error?: { code: string } }[] = [];
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: number; event?: unknown };
      if (message.event === undefined) replies.push(message as (typeof replies)[number]);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const real = Object.keys(studioMethods);
    const cases = 300;
    for (let i = 0; i < cases; i++) {
      const method = pick([() => randomBytes(6).toString('hex'), () => pick(['__proto__', 'constructor', '', 'toString']), () => pick(real)])();
      const frame = pick([
        () => randomBytes(Math.floor(next() * 100)).toString('latin1'),
        () => JSON.stringify({ id: i + 1, method, params: pick([1, 'x', [], null, [[[]]], { nodeId: 5 }]) }),
        () => JSON.stringify({ id: pick([i + 1, -1, 1.5, 'x', null]), method }),
        () => JSON.stringify(pick([null, 1, [], 'text'])),
        () => `{"id":${i + 1},"method":"${method}","params":${'['.repeat(1800)}${']'.repeat(1800)}}`,
      ])();
      ws.send(frame);
    }
    // Every frame gets exactly one reply; the host may answer them in any order.
    const deadline = 300;
    for (let wait = 0; replies.length < cases && wait < deadline; wait++) await new Promise((done) => setTimeout(done, 100));
    assert.equal(replies.length, cases, `seed ${seed}: one reply per frame; ${JSON.stringify(replies.slice(-3))} ${ws.readyState}`);
    for (const reply of replies) {
      if (reply.error) assert.match(reply.error.code, /^ENG_/, `seed ${seed}: ${JSON.stringify(reply)}`);
      assert.notEqual(reply.error?.code, 'ENG_HOST_INTERNAL', `seed ${seed}: ${JSON.stringify(reply)}`);
    }
    ws.send(JSON.stringify({ id: 999_999, method: 'runStatus' }));
    for (let wait = 0; !replies.some((r) => r.id === 999_999) && wait < deadline; wait++) await new Promise((done) => setTimeout(done, 100));
    assert.ok(replies.find((r) => r.id === 999_999)?.result, 'the socket still answers calls');
    ws.close();
  });
});
