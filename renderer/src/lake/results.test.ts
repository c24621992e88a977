// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { describeMaintenance } from './results.ts';

test('maintenance results read as words, not stat keys', () => {
  assert.equal(describeMaintenance({ action: 'compact', snapshotId: '4611686018427387947', stats: { filesRewritten: 3, filesWritten: 1 } }), '3 files rewritten, 1 written, new snapshot 4611686018427387947');
  assert.equal(describeMaintenance({ action: 'compact', snapshotId: null, stats: { filesRewritten: 0, filesWritten: 0 } }), 'Nothing to compact: no small files');
  assert.equal(describeMaintenance({ action: 'expire', snapshotId: null, stats: { snapshotsExpired: 1, filesDeleted: 4 } }), '1 snapshot expired, 4 files deleted');
  assert.equal(describeMaintenance({ action: 'clean', snapshotId: null, stats: { filesRemoved: 1, bytesRemoved: 2048 } }), '1 orphan file removed, bytes removed: 2,048');
});
