import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedServers, TEST_CASSANDRA_ENV, TEST_OPENSEARCH_ENV, useTestCassandra, useTestOpenSearch, usesServer } from './servers.ts';

/** Runs `body` with the variable set, restoring it after. */
async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

test('a shared server from the suite is used as given, and releasing it leaves it running', async () => {
  const cassandra = await withEnv(TEST_CASSANDRA_ENV, JSON.stringify({ host: '127.0.0.1', port: 9042, user: 'cassandra', password: 'pw' }), () => useTestCassandra());
  assert.deepEqual({ ...cassandra, release: undefined }, { host: '127.0.0.1', port: 9042, user: 'cassandra', password: 'pw', release: undefined });
  await cassandra.release();
  const search = await withEnv(TEST_OPENSEARCH_ENV, JSON.stringify({ url: 'http://127.0.0.1:9200' }), () => useTestOpenSearch());
  assert.equal(search.url, 'http://127.0.0.1:9200');
  await search.release();
});

test('a malformed shared-server variable is an error naming it, not a server started on the side', async () => {
  for (const bad of ['not json', '[]', '{"host":"h","port":"9042","user":"u","password":"p"}', '{"host":"h"}']) {
    await assert.rejects(withEnv(TEST_CASSANDRA_ENV, bad, () => useTestCassandra()), new RegExp(`${TEST_CASSANDRA_ENV} must be the JSON the test suite writes`));
  }
  await assert.rejects(withEnv(TEST_OPENSEARCH_ENV, '{"url":42}', () => useTestOpenSearch()), new RegExp(`${TEST_OPENSEARCH_ENV} must be`));
});

test('a file uses a shared server when it calls its helper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'servers-'));
  const [cassandra, opensearch] = sharedServers;
  // (the import is split here so that this file itself does not read as a user of the shared servers)
  writeFileSync(join(dir, 'a.test.ts'), `import { useTestCassandra } from '../../testing/${'servers'}.ts';\nserver = await useTestCassandra();`);
  writeFileSync(join(dir, 'b.test.ts'), "import { startCassandra } from './server.ts'; server = await startCassandra();");
  // this very file, and tests of the suite that only name the helper, start nothing
  writeFileSync(join(dir, 'c.test.ts'), "import { useTestCassandra } from './servers.ts';\nawait useTestCassandra();\nconst text = 'await useTestOpenSearch();';");
  assert.equal(usesServer(cassandra!, join(dir, 'a.test.ts')), true);
  assert.equal(usesServer(opensearch!, join(dir, 'a.test.ts')), false);
  assert.equal(usesServer(cassandra!, join(dir, 'b.test.ts')), false, 'a file starting its own server does not share');
  assert.equal(usesServer(cassandra!, join(dir, 'c.test.ts')), false);
  assert.equal(usesServer(opensearch!, join(dir, 'c.test.ts')), false);
  assert.equal(usesServer(cassandra!, join(dir, 'missing.test.ts')), false);
});
