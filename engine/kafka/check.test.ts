// The connection test against the real broker: the good TLS+SCRAM path, and each failure with its stage.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from './kafkajs.ts';
import { useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { freePort } from './broker/ports.ts';
import { testConnection } from './check.ts';
import type { ConnectionConfig } from './connections.ts';
import { FileConnectionStore, kafkaClient, passwordEnvVar, redactConnection } from './connections.ts';

let broker: TestBroker;
let remote: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  const s = broker.saslSsl;
  assert.ok(s, 'the test broker must open a SASL_SSL listener');
  remote = { name: 'remote', brokers: [s.bootstrap], tls: { ca: s.caPath }, sasl: { mechanism: 'scram-sha-512', username: s.username, password: s.password } };
});
after(async () => { await broker.release(); });

test('plaintext connection lists brokers and topics', async () => {
  const result = await testConnection({ name: 'local', brokers: [broker.bootstrap] });
  assert.equal(result.ok, true, JSON.stringify(result));
});

test('TLS + SCRAM-SHA-512 connection succeeds; SCRAM-SHA-256 and PLAIN too', async () => {
  const result = await testConnection(remote);
  assert.equal(result.ok, true, JSON.stringify(result));
  for (const mechanism of ['scram-sha-256', 'plain'] as const) {
    const r = await testConnection({ ...remote, sasl: { ...remote.sasl!, mechanism } });
    assert.equal(r.ok, true, `${mechanism}: ${JSON.stringify(r)}`);
  }
});

test('wrong password fails at the auth stage', async () => {
  const result = await testConnection({ ...remote, sasl: { ...remote.sasl!, password: 'not-the-password' } });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.stage, 'auth', JSON.stringify(result));
  assert.match(!result.ok ? result.message : '', /user name or password/);
});

test('a CA that did not sign the broker certificate fails at the tls stage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-otherca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Other CA',
    '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
  const result = await testConnection({ ...remote, tls: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') } });
  assert.equal(!result.ok && result.stage, 'tls', JSON.stringify(result));
  assert.match(!result.ok ? result.message : '', /not signed by a CA this connection trusts/);
});

test('a closed port fails at the tcp stage', async () => {
  const port = await freePort();
  const result = await testConnection({ name: 'closed', brokers: [`127.0.0.1:${port}`] });
  assert.equal(!result.ok && result.stage, 'tcp', JSON.stringify(result));
  assert.match(!result.ok ? result.message : '', /connection refused/);
});

test('an unknown host fails at the dns stage', async () => {
  const result = await testConnection({ name: 'nowhere', brokers: ['no-such-host.invalid:9092'] });
  assert.equal(!result.ok && result.stage, 'dns', JSON.stringify(result));
});

test('a topic this user may not describe fails at the authorization stage', async () => {
  const topic = `acl-denied-${process.pid}`;
  const admin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.createAcls({ acl: [{
      resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${remote.sasl!.username}`, host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY,
    }] });
  } finally {
    await admin.disconnect();
  }
  const result = await testConnection(remote, { topics: [topic] });
  assert.equal(!result.ok && result.stage, 'authorization', JSON.stringify(result));
});

test('the file store is private, takes passwords from the environment and redacts them', async () => {
  const home = mkdtempSync(join(tmpdir(), 'streamlake-home-'));
  const store = new FileConnectionStore(home, { [passwordEnvVar('prod-eu')]: 'from-env' });
  await store.save({ name: 'prod-eu', brokers: ['kafka.example:9093'], sasl: { mechanism: 'plain', username: 'u', password: '' } });
  assert.equal(statSync(store.path).mode & 0o777, 0o600);
  assert.equal((await store.get('prod-eu'))?.sasl?.password, 'from-env');
  assert.equal(redactConnection((await store.get('prod-eu'))!).sasl?.password, '••••');
  assert.equal(await store.delete('prod-eu'), true);
  assert.deepEqual(await store.list(), []);
});
