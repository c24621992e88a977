// PostgreSQL connections through the studio API (validated dispatch, as the hosts call it) against a real
// server: the password is stored 0600 and never returned, kept when the form leaves it out, and the
// connection test tells a good password from a bad one in plain words.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPostgres, type PostgresServer } from '../../sinks/postgres/server.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';

let server: PostgresServer;
let home: string;

before(async () => {
  server = await startPostgres();
  home = mkdtempSync(join(tmpdir(), 'streamlake-api-pg-'));
});
after(() => {
  server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

test('save, list, test (good and bad password), delete', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  const input = { name: 'reporting', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
  const saved = await call('postgresSaveConnection', { connection: input });
  assert.deepEqual(saved, { name: 'reporting', host: server.host, port: server.port, database: 'postgres', user: 'postgres', tls: 'disable', hasPassword: true });
  const file = join(home, 'postgres.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(await call('postgresConnections'), [saved]);
  assert.ok(!JSON.stringify(await call('postgresConnections')).includes(server.password));

  const good = await call('postgresTestConnection', { name: 'reporting', table: 'orders' }) as { ok: boolean; message: string };
  assert.equal(good.ok, true, good.message);
  assert.match(good.message, /^Signed in to PostgreSQL \d+/);
  // an edit that leaves the password out keeps it
  await call('postgresSaveConnection', { connection: { ...input, password: undefined } });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).connections[0].password, server.password);
  const bad = await call('postgresTestConnection', { connection: { ...input, password: 'not-it' } }) as { ok: boolean; failedAt: string; message: string };
  assert.deepEqual([bad.ok, bad.failedAt], [false, 'auth']);
  assert.match(bad.message, /rejected the password for user "postgres"/);
  // the unsaved test did not change the stored password
  assert.equal((await call('postgresTestConnection', { name: 'reporting' }) as { ok: boolean }).ok, true);

  const refused = await dispatchCall(service, 'postgresSaveConnection', { connection: { ...input, port: 70000 } });
  assert.equal(!refused.ok && refused.error.code, 'ENG_HOST_REQUEST');
  await call('postgresDeleteConnection', { name: 'reporting' });
  assert.deepEqual(await call('postgresConnections'), []);
});
