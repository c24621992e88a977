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
