// The schema registry in the layered connection test, against a real Apicurio serving HTTPS only (a
// certificate from a throwaway CA) with basic auth: each layer's failure is named, and the right
// credentials and CA pass, also for the registry client the source and sink use.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureCerts } from '../broker/certs.ts';
import { freePort } from '../broker/ports.ts';
import { testConnection } from '../check.ts';
import type { ConnectionConfig } from '../connections.ts';
import { useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import type { RegistryHandle } from './apicurio.ts';
import { startRegistry } from './apicurio.ts';
import { RegistryClient } from './client.ts';

let broker: TestBroker;
let registry: RegistryHandle;
let caPath: string;

before(async () => {
  broker = await useTestBroker();
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-registry-tls-'));
  const certs = ensureCerts(join(dir, 'tls'));
  caPath = certs.caPath;
  registry = await startRegistry({ tls: { keyStorePath: certs.keystorePath, keyStorePassword: certs.keystorePassword, caPath }, users: { alice: 's3cret' } });
});
after(async () => {
  await registry.stop();
  await broker.release();
});

function connection(schemaRegistry: ConnectionConfig['schemaRegistry']): ConnectionConfig {
  return { name: 'with-registry', brokers: [broker.bootstrap], schemaRegistry };
}

async function failure(schemaRegistry: ConnectionConfig['schemaRegistry']): Promise<string> {
  const result = await testConnection(connection(schemaRegistry));
  assert.equal(result.ok, false, JSON.stringify(result));
  assert.equal(!result.ok && result.stage, 'registry');
  return result.ok ? '' : result.message;
}

test('the right user, password and CA pass every layer; the client reads and writes through them', async () => {
  assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
  const access = { url: registry.url, username: 'alice', password: 's3cret', tls: { ca: caPath } };
  const result = await testConnection(connection(access));
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.ok && result.registry, { url: registry.url, subjects: 0 });
  const client = new RegistryClient(access);
  const id = await client.register('secured-value', JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] }));
  assert.deepEqual(await client.subjects(), ['secured-value']);
  assert.equal((await client.schemaById(id))?.schemaType, 'AVRO');
});

test('each broken layer is named: credentials, CA, port, host name, API path', async () => {
  assert.match(await failure({ url: registry.url, username: 'alice', password: 'wrong', tls: { ca: caPath } }), /\(auth\).*rejected the user name or password \(HTTP 401\)/);
  assert.match(await failure({ url: registry.url, tls: { ca: caPath } }), /\(auth\).*needs a user name and password/);
  assert.match(await failure({ url: registry.url, username: 'alice', password: 's3cret' }), /\(tls\).*not signed by a CA this connection trusts/);
  assert.match(await failure({ url: `https://127.0.0.1:${await freePort()}/apis/ccompat/v7` }), /\(tcp\).*connection refused/);
  assert.match(await failure({ url: 'https://registry.invalid/apis/ccompat/v7' }), /\(dns\).*registry\.invalid/);
  assert.match(await failure({ url: registry.url.replace('/apis/ccompat/v7', '/nothing-here'), username: 'alice', password: 's3cret', tls: { ca: caPath } }), /\(api\).*not a Confluent-compatible/);
  assert.match(await failure({ url: 'ftp://127.0.0.1/x' }), /\(url\)/);
  await assert.rejects(new RegistryClient({ url: registry.url, username: 'alice', password: 'wrong', tls: { ca: caPath } }).subjects(), /check the registry user name and password/);
});
