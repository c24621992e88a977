// The layered PostgreSQL connection test against a real server: each failing layer is named in plain words.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { checkPostgresConnection } from './check.ts';
import type { PostgresConnection } from './connections.ts';
import { freePort, startPostgres, type PostgresServer } from './server.ts';

let server: PostgresServer;
let good: PostgresConnection;

before(async () => {
  server = await startPostgres();
  good = { name: 'check', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
  const client = new pg.Client({ ...good });
  await client.connect();
  // PostgreSQL 15: ordinary users may not create in schema public
  await client.query("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'");
  await client.query('CREATE TABLE kept (id bigint)');
  await client.end();
});
after(() => server?.destroy());

test('a good connection reports the server', async () => {
  const result = await checkPostgresConnection(good, { table: 'anything' });
  assert.equal(result.ok, true, JSON.stringify(result));
  if (result.ok) assert.match(result.server, /^PostgreSQL \d+/);
});

test('each layer that fails is named', async () => {
  const dns = await checkPostgresConnection({ ...good, host: 'no-such-host.invalid' });
  assert.deepEqual([dns.ok, !dns.ok && dns.stage], [false, 'dns']);
  const tcp = await checkPostgresConnection({ ...good, port: await freePort() });
  assert.equal(!tcp.ok && tcp.stage, 'tcp');
  assert.match(!tcp.ok ? tcp.message : '', /connection refused/);
  const tls = await checkPostgresConnection({ ...good, tls: 'require' });
  assert.equal(!tls.ok && tls.stage, 'tls');
  assert.match(!tls.ok ? tls.message : '', /does not accept TLS/);
  const password = await checkPostgresConnection({ ...good, password: 'wrong' });
  assert.equal(!password.ok && password.stage, 'auth');
  assert.match(!password.ok ? password.message : '', /rejected the password for user "postgres"/);
  const database = await checkPostgresConnection({ ...good, database: 'nope' });
  assert.equal(!database.ok && database.stage, 'auth');
  assert.match(!database.ok ? database.message : '', /database "nope" does not exist/);
  const reader = { ...good, user: 'reader', password: 'reader-pw' };
  const create = await checkPostgresConnection(reader, { table: 'new_table' });
  assert.equal(!create.ok && create.stage, 'permission', JSON.stringify(create));
  assert.match(!create.ok ? create.message : '', /may not create tables in schema "public"/);
  const write = await checkPostgresConnection(reader, { table: 'kept' });
  assert.equal(!write.ok && write.stage, 'permission');
  assert.match(!write.ok ? write.message : '', /may not insert, update and delete in public.kept/);
});
