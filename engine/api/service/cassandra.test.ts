// Cassandra connections through the studio API (validated dispatch) against a real Cassandra 5.0: the
// password is stored 0600 and never returned, kept when the form leaves it out; good and bad passwords are
// told apart by the server's PasswordAuthenticator.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { useTestCassandra, type TestCassandra } from '../../testing/servers.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';

let server: TestCassandra;
let home: string;

before(async () => {
  server = await useTestCassandra();
  home = mkdtempSync(join(tmpdir(), 'streamlake-api-cass-'));
});
after(async () => {
  await server?.release();
  rmSync(home, { recursive: true, force: true });
});

test('save, list, test (good and bad password)', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  const input = { name: 'serving', host: server.host, port: server.port, user: server.user, password: server.password };
  const saved = await call('cassandraSaveConnection', { connection: input });
  assert.deepEqual(saved, { name: 'serving', host: server.host, port: server.port, user: 'cassandra', hasPassword: true });
  assert.equal(statSync(join(home, 'cassandra.json')).mode & 0o777, 0o600);
  // the list carries no password field at all (the test server's password equals its user name)
  assert.deepEqual(await call('cassandraConnections'), [saved]);
  const good = await call('cassandraTestConnection', { name: 'serving' }) as { ok: boolean; message: string };
  assert.equal(good.ok, true, good.message);
  assert.match(good.message, /^Signed in to Cassandra 5\.0\.\d+ as cassandra\./);
  await call('cassandraSaveConnection', { connection: { ...input, password: undefined } });
  assert.equal(JSON.parse(readFileSync(join(home, 'cassandra.json'), 'utf8')).connections[0].password, server.password);
  const bad = await call('cassandraTestConnection', { connection: { ...input, password: 'not-it' } }) as { ok: boolean; failedAt: string; message: string };
  assert.deepEqual([bad.ok, bad.failedAt], [false, 'auth']);
  const refused = await dispatchCall(service, 'cassandraSaveConnection', { connection: { ...input, port: 0 } });
  assert.equal(!refused.ok && refused.error.code, 'ENG_HOST_REQUEST');
});
