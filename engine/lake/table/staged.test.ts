import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';
import { publishStaged, stageFiles } from './staged.ts';

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

// sink.lake stages a checkpoint's rows as data files at prepare and publishes them at commit, possibly
// after a crash and a restart days later. An orphan scan in between must not take them.
test('staged data files survive lake clean until they are published, then the reservation is gone', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(Date.now());
  const table = await openLake(dir, { clock: time }).createTable('orders', { fields: [{ name: 'id', required: false, type: 'long' }] });
  const tableDir = path.join(dir, 'orders');
  const owner = 'sink:sales/raw';
  const staged = await stageFiles(tableDir, [{ id: 1 }, { id: 2 }, { id: 3 }], { clock: time, owner });
  const files = staged.added.map((a) => a.record.file_path.replace(/^file:/, ''));
  assert.ok(files.length > 0);
  // The writer died; days pass; an impatient user forces a clean of everything unreferenced.
  const old = new Date(time.now() - 5 * 86_400_000);
  for (const file of files) await utimes(file, old, old);
  time.advance(5 * 86_400_000);
  const cleaned = await table.removeOrphans({ olderThanMs: 1, force: true });
  assert.deepEqual(cleaned.removed.filter((f) => files.includes(f)), [], 'a staged file was removed as an orphan');
  for (const file of files) assert.ok(await exists(file), `${file} is gone`);

  const published = await publishStaged(tableDir, 'main', [{ kind: 'files', added: staged.added }], { 'streamlake.checkpoint-id': '7' }, { clock: time, owner });
  assert.equal(published.rows, 3);
  assert.deepEqual((await readRows(await openLake(dir, { clock: time }).table('orders'))).map((r) => r.id).sort(), [1, 2, 3]);
  assert.deepEqual((await table.pendingReservations()).filter((r) => r.owner === owner), [], 'publishing releases the reservation');
});
