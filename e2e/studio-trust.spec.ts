// Workspace trust: an imported pipeline that reads a file outside the studio's folders does not run on
// "Run". A dialog lists exactly what it will read and where its data will go; Cancel leaves it unrun,
// "Trust and run" records the trust on the host and runs it, and the next run asks nothing.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;
let outside = '';
const rows = [{ user: 'root', shell: '/bin/bash' }, { user: 'daemon', shell: '/usr/sbin/nologin' }];

studioPerFile(async (opened) => {
  studio = opened;
  page = opened.page;
  outside = await mkdtemp(join(tmpdir(), 'streamlake-e2e-outside-'));
  await writeFile(join(outside, 'accounts.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
});
after(() => rm(outside, { recursive: true, force: true }));

test('an imported pipeline reading a file outside the studio runs only after the user trusts it', async () => {
  const path = join(outside, 'accounts.jsonl');
  const doc = {
    format: 'streamlake.pipeline', version: 1, name: 'shared-with-me',
    nodes: [
      { id: 'accounts', type: 'source.file', config: { path, format: 'jsonl' } },
      { id: 'lake', type: 'sink.lake', config: { table: 'accounts' } },
    ],
    edges: [{ from: 'accounts', to: 'lake' }],
    layout: { accounts: { x: 0, y: 0 }, lake: { x: 320, y: 0 } },
  };
  await importPipelineFile(page, 'shared-with-me.json', JSON.stringify(doc));
  await page.getByRole('group', { name: /^Node accounts/ }).waitFor();

  await page.getByRole('button', { name: 'Run pipeline' }).click();
  const dialog = page.getByRole('dialog', { name: 'Trust this pipeline?' });
  await dialog.waitFor();
  const reads = await dialog.getByRole('list', { name: 'It will read' }).getByRole('listitem').allInnerTexts();
  assert.equal(reads.length, 1);
  assert.ok(reads[0]!.includes(path) && reads[0]!.includes('outside the studio'), reads[0]);
  const writes = await dialog.getByRole('list', { name: 'Its data will go to' }).getByRole('listitem').allInnerTexts();
  assert.ok(writes[0]!.includes(`table accounts in ${studio.lakeDir}`), writes[0]);
  await studio.screenshot('11-trust-dialog');

  // Cancel: nothing ran, nothing was trusted.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('Not run: the pipeline was not trusted').waitFor();
  assert.equal((await studio.service.runStatus()).state, 'idle');
  await assert.rejects(readFile(join(studio.homeDir, 'trusted-pipelines.json')));

  // Trust and run: the host records it and the run reads exactly the file's rows into the lake.
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await dialog.getByRole('button', { name: 'Trust and run' }).click();
  await eventually(page, 'the run finished', async () => (await studio.service.runStatus()).state, (state) => state === 'finished');
  const trusted = JSON.parse(await readFile(join(studio.homeDir, 'trusted-pipelines.json'), 'utf8')) as { trusted: { reach: string[] }[] };
  assert.deepEqual(trusted.trusted.map((entry) => entry.reach), [[`accounts reads file ${path}`]]);
  const lake = await studio.service.sqlRun({ sql: 'SELECT "user", shell FROM accounts ORDER BY "user" DESC' });
  assert.deepEqual(lake.rows, rows.map((row) => [row.user, row.shell]));

  // Remembered: the next run starts without asking.
  const first = (await studio.service.runStatus()).runId;
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await eventually(page, 'a second run finished', async () => studio.service.runStatus(), (status) => status.runId !== first && status.state === 'finished');
  assert.equal(await dialog.count(), 0);
  await studio.screenshot('12-trusted-run');
  assert.deepEqual(studio.pageErrors, []);
});
