// ClickHouse connections through the studio API (validated dispatch) against a real server: the password is
// stored 0600 and never returned, kept when the form leaves it out; good and bad passwords are told apart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startClickHouse, type ClickHouseServer } from '../../sinks/clickhouse/server.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';

let server: ClickHouseServer;
let home: string;

before(async () => {
  server = await startClickHouse();
  home = mkdtempSync(join(tmpdir(), 'streamlake-api-ch-'));
});
after(async () => {
  await server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

test('save, list, test (good and bad password)', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  const input = { name: 'analytics', url: server.url, user: server.user, password: server.password };
  const saved = await call('clickhouseSaveConnection', { connection: input });
  assert.deepEqual(saved, { name: 'analytics', url: server.url, user: 'default', hasPassword: true });
  assert.equal(statSync(join(home, 'clickhouse.json')).mode & 0o777, 0o600);
  assert.ok(!JSON.stringify(await call('clickhouseConnections')).includes(server.password));
  const good = await call('clickhouseTestConnection', { name: 'analytics' }) as { ok: boolean; message: string };
  assert.equal(good.ok, true, good.message);
  assert.match(good.message, /^Signed in to ClickHouse \d+\.\d+/);
  await call('clickhouseSaveConnection', { connection: { ...input, password: undefined } });
  assert.equal(JSON.parse(readFileSync(join(home, 'clickhouse.json'), 'utf8')).connections[0].password, server.password);
  const bad = await call('clickhouseTestConnection', { connection: { ...input, password: 'not-it' } }) as { ok: boolean; failedAt: string; message: string };
  assert.deepEqual([bad.ok, bad.failedAt], [false, 'auth']);
  const refused = await dispatchCall(service, 'clickhouseSaveConnection', { connection: { ...input, url: 'ftp://x' } });
  assert.equal(!refused.ok && refused.error.code, 'ENG_HOST_REQUEST');
  await call('clickhouseDeleteConnection', { name: 'analytics' });
  assert.deepEqual(await call('clickhouseConnections'), []);
  assert.ok(!readFileSync(join(home, 'clickhouse.json'), 'utf8').includes(server.password), 'the password is gone from the file');
  const again = await dispatchCall(service, 'clickhouseDeleteConnection', { name: 'analytics' });
  assert.equal(!again.ok && again.error.code, 'ENG_CLICKHOUSE_CONNECTION_UNKNOWN');
});
