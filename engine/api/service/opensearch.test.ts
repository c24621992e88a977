// OpenSearch connections through the studio API (validated dispatch) against a real node: the password is
// stored 0600 and never returned, kept when the form leaves it out; good and bad passwords are told apart
// (through a basic-auth proxy in front of the node: its integ-test distribution has no security plugin).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { useTestOpenSearch, type TestOpenSearch } from '../../testing/servers.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';

let server: TestOpenSearch;
let proxy: Server;
let proxyUrl: string;
let home: string;
const password = 'api-s3cret';

before(async () => {
  server = await useTestOpenSearch();
  home = mkdtempSync(join(tmpdir(), 'streamlake-api-os-'));
  const expected = `Basic ${Buffer.from(`writer:${password}`).toString('base64')}`;
  proxy = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="opensearch"' });
      res.end();
      return;
    }
    const upstream = request(`${server.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
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
  await server?.release();
  rmSync(home, { recursive: true, force: true });
});

test('save, list, test (good and bad password), delete', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  const input = { name: 'search', url: proxyUrl, user: 'writer', password };
  const saved = await call('opensearchSaveConnection', { connection: input });
  assert.deepEqual(saved, { name: 'search', url: proxyUrl, user: 'writer', hasPassword: true });
  assert.equal(statSync(join(home, 'opensearch.json')).mode & 0o777, 0o600);
  assert.ok(!JSON.stringify(await call('opensearchConnections')).includes(password));
  const good = await call('opensearchTestConnection', { name: 'search' }) as { ok: boolean; message: string };
  assert.equal(good.ok, true, good.message);
  assert.match(good.message, /^Connected to OpenSearch 2\.\d+\.\d+ as writer; it lets this connection create indices\.$/);
  await call('opensearchSaveConnection', { connection: { ...input, password: undefined } });
  assert.equal(JSON.parse(readFileSync(join(home, 'opensearch.json'), 'utf8')).connections[0].password, password);
  const bad = await call('opensearchTestConnection', { connection: { ...input, password: 'not-it' } }) as { ok: boolean; failedAt: string; message: string };
  assert.deepEqual([bad.ok, bad.failedAt], [false, 'auth']);
  const direct = await call('opensearchTestConnection', { connection: { name: 'direct', url: server.url } }) as { ok: boolean };
  assert.equal(direct.ok, true);
  const refused = await dispatchCall(service, 'opensearchSaveConnection', { connection: { ...input, url: 'ftp://x' } });
  assert.equal(!refused.ok && refused.error.code, 'ENG_HOST_REQUEST');
  await call('opensearchDeleteConnection', { name: 'search' });
  assert.deepEqual(await call('opensearchConnections'), []);
  const gone = await dispatchCall(service, 'opensearchDeleteConnection', { name: 'search' });
  assert.equal(!gone.ok && gone.error.code, 'ENG_OPENSEARCH_CONNECTION_UNKNOWN');
});
