// The layered OpenSearch connection test against a real node (the integ-test distribution, started here).
// That distribution has no security plugin, so sign-in is tested through a basic-auth reverse proxy in
// front of the real node (the way a cluster without the plugin is commonly protected); the permission
// layer through the node's own create-index block.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort } from '../postgres/server.ts';
import { checkOpenSearchConnection } from './check.ts';
import type { OpenSearchConnection } from './connections.ts';
import { startOpenSearch, type OpenSearchServer } from './server.ts';
import { rest } from './testing.ts';

let server: OpenSearchServer;
let proxy: Server;
let proxyUrl: string;
let good: OpenSearchConnection;

before(async () => {
  server = await startOpenSearch();
  good = { name: 'check', url: server.url };
  const expected = `Basic ${Buffer.from('writer:s3cret').toString('base64')}`;
  proxy = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="opensearch"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'security_exception', reason: 'missing or wrong credentials' }, status: 401 }));
      return;
    }
    const upstream = request(`${server.url}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${server.port}` } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  proxy?.close();
  await server?.destroy();
});

test('a good connection reports the version, and the probe index is gone afterwards', async () => {
  const result = await checkOpenSearchConnection(good);
  assert.equal(result.ok, true, JSON.stringify(result));
  if (result.ok) assert.deepEqual([result.distribution, /^2\.\d+\.\d+$/.test(result.version)], ['opensearch', true]);
  const left = await rest<string[]>(server.url, 'GET', '/_cat/indices/streamlake-connection-check-*?format=json&h=index');
  assert.deepEqual(left, []);
});

test('each layer that fails is named in plain words', async () => {
  const dns = await checkOpenSearchConnection({ ...good, url: 'http://no-such-host.invalid:9200' });
  assert.equal(!dns.ok && dns.stage, 'dns');
  const tcp = await checkOpenSearchConnection({ ...good, url: `http://127.0.0.1:${await freePort()}` });
  assert.equal(!tcp.ok && tcp.stage, 'tcp');
  assert.match(!tcp.ok ? tcp.message : '', /connection refused/);
  const tls = await checkOpenSearchConnection({ ...good, url: server.url.replace('http:', 'https:') });
  assert.equal(!tls.ok && tls.stage, 'tls', JSON.stringify(tls));
  assert.match(!tls.ok ? tls.message : '', /did not speak TLS/);
  const none = await checkOpenSearchConnection({ ...good, url: proxyUrl });
  assert.equal(!none.ok && none.stage, 'auth');
  assert.match(!none.ok ? none.message : '', /asks for a user name and password/);
  const wrong = await checkOpenSearchConnection({ ...good, url: proxyUrl, user: 'writer', password: 'not-it' });
  assert.equal(!wrong.ok && wrong.stage, 'auth');
  assert.match(!wrong.ok ? wrong.message : '', /rejected the user name or password for "writer"/);
  const right = await checkOpenSearchConnection({ ...good, url: proxyUrl, user: 'writer', password: 's3cret' });
  assert.equal(right.ok, true, JSON.stringify(right));
});

test('a cluster that takes no new index fails at the permission layer with the server\'s reason', async () => {
  await rest(server.url, 'PUT', '/_cluster/settings', { persistent: { 'cluster.blocks.create_index': true } });
  try {
    const blocked = await checkOpenSearchConnection(good);
    assert.equal(!blocked.ok && blocked.stage, 'permission', JSON.stringify(blocked));
    assert.match(!blocked.ok ? blocked.message : '', /does not take new indices now \(index_create_block_exception: blocked by: \[FORBIDDEN\/10\/cluster create-index blocked/);
  } finally {
    await rest(server.url, 'PUT', '/_cluster/settings', { persistent: { 'cluster.blocks.create_index': null } });
  }
});
