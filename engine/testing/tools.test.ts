import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kcat } from './kcat.ts';
import { ensureTools, suiteTools, toolsFor } from './tools.ts';

// A PATH with nothing on it: every program is missing, as on a fresh machine without kcat.
const emptyPath = { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'no-tools-')) };

test('a missing kcat is one clear error, not a TypeError on null output', () => {
  // What the tests did before: spawnSync of a missing program gives stdout null.
  const raw = spawnSync('kcat', ['-V'], { encoding: 'utf8', env: emptyPath });
  assert.equal(raw.stdout, null);
  assert.throws(() => kcat(['-V'], { env: emptyPath }), /kcat is not installed.*apt-get install -y kcat/);
});

test('the suite names each tool it cannot get, in one line each, and installs where it may', async () => {
  const kcatTool = suiteTools.find((t) => t.command === 'kcat')!;
  const lines = await ensureTools([kcatTool], { env: emptyPath, canInstall: false });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^kcat is not installed and cannot be installed without root; it is needed for the Kafka tests .*sudo apt-get install -y kcat$/);

  const asked: string[][] = [];
  const failed = await ensureTools([kcatTool], { env: emptyPath, canInstall: true, install: async (packages) => { asked.push([...packages]); return false; } });
  assert.deepEqual(asked, [['kcat']], 'apt-get is asked for the Debian package');
  assert.match(failed[0]!, /apt-get could not install it/);

  assert.deepEqual(await ensureTools([{ ...kcatTool, command: 'node', probe: ['--version'] }], { env: process.env, canInstall: false }), [], 'a present tool gives no line');
});

test('only the tools the chosen test files use are checked', () => {
  const texts: Record<string, string> = {
    'engine/kafka/records.test.ts': "import { kcat } from '../testing/kcat.ts';",
    'engine/lake/compat.test.ts': "spawn('mvn')",
    'engine/expr/parse.test.ts': 'nothing external',
    'engine/api/service/opensearch.test.ts': 'server = await useTestOpenSearch();',
  };
  const names = (files: string[]) => toolsFor(files, suiteTools, (f) => texts[f] ?? '').map((t) => t.command);
  assert.deepEqual(names(['engine/expr/parse.test.ts']), []);
  assert.deepEqual(names(['engine/kafka/records.test.ts']), ['kcat', 'java', 'mvn', 'openssl']);
  assert.deepEqual(names(['engine/lake/compat.test.ts']), ['java', 'javac', 'mvn']);
  // the suite starts the shared OpenSearch node for such a file, so it needs what a node needs
  assert.deepEqual(names(['engine/api/service/opensearch.test.ts']), ['mvn', 'java', 'unzip']);
});
