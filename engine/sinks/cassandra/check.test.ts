// The layered Cassandra connection test against a real Cassandra 5.0 with PasswordAuthenticator and
// CassandraAuthorizer: the server itself refuses a wrong password and a role without rights.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auth, Client } from 'cassandra-driver';
import { freePort } from '../postgres/server.ts';
import { checkCassandraConnection } from './check.ts';
import type { CassandraConnection } from './connections.ts';
import { useTestCassandra, type TestCassandra } from '../../testing/servers.ts';

let server: TestCassandra;
let good: CassandraConnection;

before(async () => {
  server = await useTestCassandra();
  good = { name: 'check', host: server.host, port: server.port, user: server.user, password: server.password, keyspace: 'checked' };
  const admin = new Client({ contactPoints: [`${server.host}:${server.port}`], localDataCenter: 'datacenter1', authProvider: new auth.PlainTextAuthProvider(server.user, server.password) });
  await admin.connect();
  try {
    // IF NOT EXISTS: the server may be the suite's shared one, which outlives this file (engine/testing/servers.ts).
    await admin.execute("CREATE KEYSPACE IF NOT EXISTS checked WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await admin.execute("CREATE ROLE IF NOT EXISTS reader WITH PASSWORD = 'reader-pw' AND LOGIN = true");
    await admin.execute('GRANT SELECT ON KEYSPACE checked TO reader');
  } finally {
    await admin.shutdown();
  }
});
after(async () => { await server?.release(); });

test('a good connection reports the version and may create and write in its keyspace', async () => {
  const result = await checkCassandraConnection(good);
  assert.equal(result.ok, true, JSON.stringify(result));
  if (result.ok) assert.match(result.version, /^5\.0\.\d+/);
});

test('each layer that fails is named', async () => {
  const dns = await checkCassandraConnection({ ...good, host: 'no-such-host.invalid' });
  assert.equal(!dns.ok && dns.stage, 'dns');
  const tcp = await checkCassandraConnection({ ...good, port: await freePort() });
  assert.equal(!tcp.ok && tcp.stage, 'tcp');
  assert.match(!tcp.ok ? tcp.message : '', /connection refused/);
  const tls = await checkCassandraConnection({ ...good, tls: 'require' }, 3000);
  assert.equal(!tls.ok && tls.stage, 'tls', JSON.stringify(tls));
  const password = await checkCassandraConnection({ ...good, password: 'wrong' });
  assert.equal(!password.ok && password.stage, 'auth', JSON.stringify(password));
  assert.match(!password.ok ? password.message : '', /rejected the user name or password for "cassandra" \(.*Provided username cassandra and\/or password are incorrect/);
  const anonymous = await checkCassandraConnection({ name: 'anon', host: server.host, port: server.port });
  assert.equal(!anonymous.ok && anonymous.stage, 'auth', JSON.stringify(anonymous));
  assert.match(!anonymous.ok ? anonymous.message : '', /asks for a user name and password/);
  const reader = await checkCassandraConnection({ ...good, user: 'reader', password: 'reader-pw' });
  assert.equal(!reader.ok && reader.stage, 'permission', JSON.stringify(reader));
  assert.match(!reader.ok ? reader.message : '', /Signed in as "reader", but it may not create tables in keyspace "checked" \(User reader has no CREATE permission/);
  const missing = await checkCassandraConnection({ ...good, keyspace: 'nope' });
  assert.equal(!missing.ok && missing.stage, 'permission');
  assert.match(!missing.ok ? missing.message : '', /keyspace "nope" does not exist/);
});
