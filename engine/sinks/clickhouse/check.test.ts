// The layered ClickHouse connection test against a real server (Debian's clickhouse-server).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { freePort } from '../postgres/server.ts';
import { checkClickHouseConnection } from './check.ts';
import type { ClickHouseConnection } from './connections.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';

let server: ClickHouseServer;
let good: ClickHouseConnection;

before(async () => {
  server = await startClickHouse();
  good = { name: 'check', url: server.url, user: server.user, password: server.password };
});
after(async () => { await server?.destroy(); });

test('a good connection reports the version', async () => {
  const result = await checkClickHouseConnection(good);
  assert.equal(result.ok, true, JSON.stringify(result));
  if (result.ok) assert.match(result.version, /^\d+\.\d+/);
});

test('each layer that fails is named', async () => {
  const dns = await checkClickHouseConnection({ ...good, url: 'http://no-such-host.invalid:8123' });
  assert.equal(!dns.ok && dns.stage, 'dns');
  const tcp = await checkClickHouseConnection({ ...good, url: `http://127.0.0.1:${await freePort()}` });
  assert.equal(!tcp.ok && tcp.stage, 'tcp');
  assert.match(!tcp.ok ? tcp.message : '', /connection refused/);
  const tls = await checkClickHouseConnection({ ...good, url: server.url.replace('http:', 'https:') });
  assert.equal(!tls.ok && tls.stage, 'tls', JSON.stringify(tls));
  // Whether ClickHouse answers the ClientHello at once or waits for more depends on the hello's random bytes;
  // both must end in the same plain words.
  assert.match(!tls.ok ? tls.message : '', /did not speak TLS/);
  const password = await checkClickHouseConnection({ ...good, password: 'wrong' });
  assert.equal(!password.ok && password.stage, 'auth');
  assert.match(!password.ok ? password.message : '', /rejected the user name or password for "default" \(Wrong password for user default\)/);
  const { password: _password, ...withoutPassword } = good;
  const missing = await checkClickHouseConnection(withoutPassword);
  assert.equal(!missing.ok && missing.stage, 'auth', JSON.stringify(missing));
  const reader = await checkClickHouseConnection({ ...good, user: 'reader', password: 'reader-pw' });
  assert.equal(!reader.ok && reader.stage, 'permission', JSON.stringify(reader));
  assert.match(!reader.ok ? reader.message : '', /read-only/);
});

test('a plain HTTP port that waits silently on a TLS hello is still named as plain HTTP', async () => {
  // Answers only what starts like an HTTP request and holds anything else open, like ClickHouse does when a
  // ClientHello's random bytes contain a space.
  const silent = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => { if (chunk.toString('latin1').startsWith('GET ')) socket.end('HTTP/1.0 200 OK\r\n\r\nOk.\n'); });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const result = await checkClickHouseConnection({ ...good, url: `https://127.0.0.1:${port}` }, 300);
    assert.equal(!result.ok && result.stage, 'tls');
    assert.match(!result.ok ? result.message : '', /did not speak TLS: it answers plain HTTP/);
  } finally {
    silent.close();
  }
});
