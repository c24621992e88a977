// The layered ClickHouse connection test against a real server (Debian's clickhouse-server).
import assert from 'node:assert/strict';
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
  assert.match(!tls.ok ? tls.message : '', /did not speak TLS/);
  const password = await checkClickHouseConnection({ ...good, password: 'wrong' });
  assert.equal(!password.ok && password.stage, 'auth');
  assert.match(!password.ok ? password.message : '', /rejected the user name or password for "default" \(Wrong password for user default\)/);
  const reader = await checkClickHouseConnection({ ...good, user: 'reader', password: 'reader-pw' });
  assert.equal(!reader.ok && reader.stage, 'permission', JSON.stringify(reader));
  assert.match(!reader.ok ? reader.message : '', /read-only/);
});
