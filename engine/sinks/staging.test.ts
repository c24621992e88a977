// Staging files of the database sinks: what a restore reads back, and what a new run sweeps.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pendingRefs, Staging } from './staging.ts';

const home = mkdtempSync(path.join(tmpdir(), 'streamlake-staging-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('a new instance reads staged rows back with their types; sweep keeps only what a checkpoint names', async () => {
  const first = new Staging(home, 'sales/eu', 'pg sink');
  const rows = [{ id: 1, at: new Date(Date.UTC(2026, 0, 1, 12)), raw: new Uint8Array([1, 2, 255]), tags: ['a'], none: null }];
  const ref = await first.write({ id: 3, rows, retracts: [{ position: 1, keys: [{ id: 0 }] }], upsertKey: ['id'] });
  assert.equal(path.dirname(ref.file), path.join(home, 'pending', 'sales_eu', 'pg_sink'));
  const stale = path.join(first.dir, 'chk-2-leftover.v8');
  writeFileSync(stale, 'from a crash before its checkpoint');

  // a restore: another process, only the refs from the checkpoint file
  const second = new Staging(home, 'sales/eu', 'pg sink');
  const refs = pendingRefs(JSON.parse(JSON.stringify({ format: 'f', segments: [ref] })), 'f', 'pg');
  const [segment] = await second.read(refs, 'pg');
  assert.deepEqual(segment, { id: 3, rows, retracts: [{ position: 1, keys: [{ id: 0 }] }], upsertKey: ['id'] });
  assert.ok(segment?.rows[0]?.at instanceof Date);

  await second.sweep(refs);
  assert.deepEqual(readdirSync(first.dir), [path.basename(ref.file)]);
  await second.remove(refs);
  assert.equal(existsSync(ref.file), false);
  await assert.rejects(second.read(refs, 'pg'), { code: 'ENG_RUN_CHECKPOINT' });
  assert.throws(() => pendingRefs({ format: 'other', segments: [] }, 'f', 'pg'), { code: 'ENG_RUN_CHECKPOINT' });
});

test('append stages batch by batch: sealed under the checkpoint, read back whole; an open file survives the sweep until sealed or discarded', async () => {
  const staging = new Staging(home, 'appends', 'node');
  assert.equal(await staging.seal(1), null, 'nothing appended: nothing staged');
  await staging.append({ rows: [{ id: 1, at: new Date(Date.UTC(2026, 0, 2)) }, { id: 2 }] });
  await staging.append({ rows: [{ id: 3 }], retracts: [{ position: 2, keys: [{ id: 1 }] }], upsertKey: ['id'] });
  assert.equal(staging.appended, 3);
  const [open] = readdirSync(staging.dir);
  assert.match(open ?? '', /^open-/);
  await staging.sweep([]);
  assert.deepEqual(readdirSync(staging.dir), [open], 'the file being filled is not swept');
  const ref = await staging.seal(4);
  assert.ok(ref);
  assert.equal(ref.rows, 3);
  assert.equal(staging.appended, 0);
  assert.deepEqual(readdirSync(staging.dir), [path.basename(ref.file)]);
  assert.match(path.basename(ref.file), /^chk-4-/);
  const [segment] = await new Staging(home, 'appends', 'node').read([ref], 'node');
  assert.deepEqual(segment, { id: 4, rows: [{ id: 1, at: new Date(Date.UTC(2026, 0, 2)) }, { id: 2 }, { id: 3 }], retracts: [{ position: 2, keys: [{ id: 1 }] }], upsertKey: ['id'] });

  // a file cut short (a crash while appending is never named; a damaged one is reported, not half-read)
  writeFileSync(ref.file, Buffer.concat([Buffer.from('SLSTAGE1'), Buffer.from([200, 0, 0, 0, 1])]));
  await assert.rejects(new Staging(home, 'appends', 'node').read([ref], 'node'), { code: 'ENG_RUN_CHECKPOINT' });

  await staging.append({ rows: [{ id: 9 }] });
  await staging.discard();
  assert.deepEqual(readdirSync(staging.dir), [path.basename(ref.file)]);
});
