// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
// eslint-disable-next-line no-restricted-imports
import { mkdtempSync, rmSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { createServer } from 'node:net';
// eslint-disable-next-line no-restricted-imports
import { tmpdir } from 'node:os';
// eslint-disable-next-line no-restricted-imports
import path from 'node:path';
import { createStudioService, type StudioService } from '../../../engine/api/service.ts';
import { cassandraKind, clickhouseKind, connectionKindFor, connectionKinds, fieldShown, flinkKind, forgetPassword, formProblems, initialValues, layerOutcomes, opensearchKind, postgresKind } from './kinds.ts';

test('each database sink type finds its connection kind; other nodes none', () => {
  assert.equal(connectionKindFor('sink.postgres'), postgresKind);
  assert.equal(connectionKindFor('sink.clickhouse'), clickhouseKind);
  assert.equal(connectionKindFor('sink.lake'), undefined);
});

test('form problems name the field by its label', () => {
  const values = { ...initialValues(postgresKind), name: '', port: '99999' };
  assert.deepEqual(formProblems(postgresKind, values), { name: 'Name is required', port: 'Port: a number from 1 to 65535' });
  assert.deepEqual(formProblems(postgresKind, { ...values, name: 'warehouse', port: '5432' }), {});
  assert.match(formProblems(clickhouseKind, { ...initialValues(clickhouseKind), name: 'a', url: '127.0.0.1:8123' }).url ?? '', /^HTTP URL: http:\/\/host:port/);
  // The CA field only counts while TLS is on.
  assert.equal(postgresKind.fields.find((f) => f.key === 'ca')?.when?.key, 'tls');
});

test('a failed test reads layer by layer: passed before the failure, its message on it, not tried after', () => {
  const values = initialValues(postgresKind);
  const outcomes = layerOutcomes(postgresKind, { ok: false, failedAt: 'auth', message: 'The server rejected the password for user "postgres".', elapsedMs: 3 }, values);
  assert.deepEqual(outcomes.map((o) => [o.layer.id, o.state]), [['dns', 'passed'], ['tcp', 'passed'], ['tls', 'unused'], ['auth', 'failed'], ['permission', 'not tried']]);
  assert.equal(outcomes[3]?.words, 'The server rejected the password for user "postgres".');
  assert.equal(outcomes[2]?.words, 'not used (off)');

  const ok = layerOutcomes(clickhouseKind, { ok: true, message: 'Signed in', elapsedMs: 1 }, { ...initialValues(clickhouseKind), url: 'https://ch:8443' });
  assert.deepEqual(ok.map((o) => o.state), ['passed', 'passed', 'passed', 'passed', 'passed']);

  const unknown = layerOutcomes(clickhouseKind, { ok: false, failedAt: 'unknown', message: 'odd', elapsedMs: 1 }, initialValues(clickhouseKind));
  assert.ok(unknown.every((o) => o.state === 'unknown'));
});

test('OpenSearch and Flink are kinds of the rail; only sink.opensearch names one on a node', () => {
  assert.equal(connectionKindFor('sink.opensearch'), opensearchKind);
  assert.ok(connectionKinds.includes(flinkKind));
  assert.deepEqual(flinkKind.nodeTypes, []);
  assert.match(formProblems(opensearchKind, { ...initialValues(opensearchKind), name: 'search', url: 'localhost:9200' }).url ?? '', /^URL: http:\/\/host:port/);
  // The certificate choice is only for https://.
  const certificate = opensearchKind.fields.find((f) => f.key === 'tlsInsecure');
  assert.ok(certificate);
  assert.deepEqual([fieldShown(certificate, { url: 'http://a:9200' }), fieldShown(certificate, { url: 'https://a:9200' })], [false, true]);
  // The user of a Flink proxy counts only with basic auth.
  const flink = { ...initialValues(flinkKind), name: 'gw' };
  assert.deepEqual(formProblems(flinkKind, flink), {});
  assert.deepEqual(formProblems(flinkKind, { ...flink, auth: 'basic' }), { user: 'User is required' });
  const none = layerOutcomes(flinkKind, { ok: false, failedAt: 'http', message: 'not a gateway', elapsedMs: 1 }, flink);
  assert.deepEqual(none.map((o) => [o.layer.id, o.state]), [['dns', 'passed'], ['tcp', 'passed'], ['tls', 'unused'], ['http', 'failed'], ['auth', 'unused']]);
});

/** A port nothing listens on (bound once by the OS, then closed). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function withService(use: (api: StudioService) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'streamlake-kinds-'));
  const api = createStudioService({ mode: 'browser', lakeDir: path.join(root, 'lake'), homeDir: path.join(root, 'home') });
  try {
    await use(api);
  } finally {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  }
}

test('an OpenSearch connection saved from the form comes back as the form left it, without the password; a closed port fails at Network', async () => {
  await withService(async (api) => {
    const port = await freePort();
    const values = { ...initialValues(opensearchKind), name: 'search', url: `https://127.0.0.1:${port}`, user: 'admin', password: 's3cret', tlsInsecure: 'yes' };
    await opensearchKind.save(api, values);
    const [saved] = await opensearchKind.list(api);
    assert.deepEqual(saved?.values, { name: 'search', url: `https://127.0.0.1:${port}`, user: 'admin', tlsInsecure: 'yes', password: '' });
    assert.equal(saved?.hasPassword, true);
    assert.equal(saved?.detail, `admin@127.0.0.1:${port} · TLS (any certificate)`);
    // Saved again with the password left empty: the stored one is kept; "forget" removes it.
    await opensearchKind.save(api, { ...values, password: '' });
    assert.equal((await api.opensearchConnections())[0]?.hasPassword, true);
    await opensearchKind.save(api, { ...values, password: '', [forgetPassword]: 'yes' });
    assert.equal((await api.opensearchConnections())[0]?.hasPassword, false);
    const closed = await opensearchKind.test(api, { name: 'search' });
    assert.deepEqual([closed.ok, closed.failedAt], [false, 'tcp']);
    assert.equal(layerOutcomes(opensearchKind, closed, values).find((o) => o.state === 'failed')?.layer.label, 'Network');
    assert.ok(opensearchKind.remove);
    await opensearchKind.remove(api, 'search');
    assert.deepEqual(await opensearchKind.list(api), []);
  });
});

test('a Flink connection keeps its kind of authentication; an empty secret keeps the stored one, forget removes it', async () => {
  await withService(async (api) => {
    const port = await freePort();
    const values = { ...initialValues(flinkKind), name: 'gw', url: `http://127.0.0.1:${port}`, auth: 'token', token: 'tok-1' };
    await flinkKind.save(api, values);
    let [saved] = await flinkKind.list(api);
    assert.deepEqual(saved?.values, { name: 'gw', url: `http://127.0.0.1:${port}`, auth: 'token', user: '', password: '', token: '' });
    assert.equal(saved?.hasPassword, true);
    await flinkKind.save(api, { ...values, token: '' });
    assert.equal((await api.flinkConnections())[0]?.hasToken, true);
    await flinkKind.save(api, { ...values, auth: 'basic', user: 'ops', password: 'pw' });
    [saved] = await flinkKind.list(api);
    assert.deepEqual([saved?.values.auth, saved?.values.user, saved?.hasPassword, saved?.detail], ['basic', 'ops', true, `127.0.0.1:${port} · user ops`]);
    assert.equal((await api.flinkConnections())[0]?.hasToken, false);
    await flinkKind.save(api, { ...values, auth: 'none' });
    assert.deepEqual(await api.flinkConnections(), [{ name: 'gw', url: `http://127.0.0.1:${port}`, hasPassword: false, hasToken: false }]);
    const closed = await flinkKind.test(api, { name: 'gw' });
    assert.deepEqual([closed.ok, closed.failedAt], [false, 'tcp']);
    assert.ok(flinkKind.remove);
    await flinkKind.remove(api, 'gw');
    assert.deepEqual(await flinkKind.list(api), []);
  });
});

test('a Cassandra connection saved from the form comes back as the form left it; a closed port fails at Network; delete removes it', async () => {
  assert.equal(connectionKindFor('sink.cassandra'), cassandraKind);
  assert.match(formProblems(cassandraKind, { ...initialValues(cassandraKind), name: 'serving', keyspace: 'bad-name' }).keyspace ?? '', /^Keyspace: letters, digits and underscores/);
  await withService(async (api) => {
    const port = await freePort();
    const values = { ...initialValues(cassandraKind), name: 'serving', port: String(port), localDataCenter: 'dc1', user: 'app', password: 'pw', keyspace: 'shop' };
    await cassandraKind.save(api, values);
    const [saved] = await cassandraKind.list(api);
    assert.deepEqual(saved?.values, { name: 'serving', host: '127.0.0.1', port: String(port), localDataCenter: 'dc1', user: 'app', keyspace: 'shop', tls: 'disable', password: '' });
    assert.deepEqual([saved?.hasPassword, saved?.detail], [true, `app@127.0.0.1:${port}/shop`]);
    const closed = await cassandraKind.test(api, { name: 'serving' });
    assert.deepEqual([closed.ok, closed.failedAt], [false, 'tcp']);
    assert.ok(cassandraKind.remove);
    await cassandraKind.remove(api, 'serving');
    assert.deepEqual(await cassandraKind.list(api), []);
    await assert.rejects(cassandraKind.remove(api, 'serving'), /no Cassandra connection named "serving"/);
  });
});
