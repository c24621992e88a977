import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

test('parses single and combined units', () => {
  assert.deepEqual(parseDuration('5s'), { ok: true, ms: 5000 });
  assert.deepEqual(parseDuration('1h30m'), { ok: true, ms: 5_400_000 });
  assert.deepEqual(parseDuration('250ms'), { ok: true, ms: 250 });
  assert.deepEqual(parseDuration('1.5m'), { ok: true, ms: 90_000 });
});

test('rejects malformed text with the position', () => {
  const bad = parseDuration('5s minutes');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.message, /at character 2/);
  assert.equal(parseDuration('').ok, false);
  assert.equal(parseDuration('10').ok, false);
});

test('formats back to the shortest text', () => {
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(86_400_000 + 250), '1d250ms');
  assert.equal(formatDuration(0), '0s');
});
