// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { compact, durationTick, humanDuration, utc } from './units.ts';

test('durations read in human units, whatever their size', () => {
  assert.equal(humanDuration(850), '850 ms');
  assert.equal(humanDuration(12_400), '12 s');
  assert.equal(humanDuration(4_200), '4.2 s');
  assert.equal(humanDuration(252_000), '4 min 12 s');
  assert.equal(humanDuration(3 * 3_600_000 + 5 * 60_000), '3 h 5 min');
  // The figure from the issue: 29,320,577.4 s.
  assert.equal(humanDuration(29_320_577_400), '339 d 8 h');
  assert.equal(humanDuration(-1500), '−1.5 s');
});

test('counts and instants', () => {
  assert.deepEqual([compact(950), compact(12_500), compact(3_200_000), compact(2.25)], ['950', '13k', '3.2M', '2.3']);
  assert.equal(utc(Date.UTC(2026, 0, 1, 0, 12, 3)), '2026-01-01 00:12:03');
});

test('duration ticks stay short', () => {
  assert.deepEqual([durationTick(850), durationTick(12_400), durationTick(252_000), durationTick(29_320_577_400)], ['850 ms', '12 s', '4 min', '339 d']);
});
