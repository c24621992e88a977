// The sinks' timestamp text against the built-in formatting, over the edges of its fast range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateTimeText, isoInRange, isoText, writeIso } from './timestamps.ts';

test('isoText and writeIso equal toISOString, dateTimeText its first 19 characters with a space', () => {
  const edges = [0, -1, 1, -86_400_001, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, -30_610_224_000_000, -30_610_224_000_001,
    253_402_300_799_999, 253_402_300_800_000, -62_135_596_800_000, 8.64e15, -8.64e15];
  const random = Array.from({ length: 20_000 }, (_, i) => Math.round(Math.sin(i + 1) * 2.6e14));
  // instants of one day in a row, across midnight and back (writeIso keeps the last day's date part)
  const days = Array.from({ length: 5_000 }, (_, i) => 1_767_225_600_000 + (i % 2500) * 41_113 - 3_600_000 * (i % 3));
  for (const ms of [...edges, ...random, ...days]) {
    const date = new Date(ms);
    assert.equal(isoText(date), date.toISOString(), String(ms));
    if (isoInRange(ms)) {
      const bytes = Buffer.alloc(26, 33);
      assert.equal(writeIso(bytes, 1, ms), 25);
      assert.equal(bytes.toString('latin1'), `!${date.toISOString()}!`, String(ms));
    } else assert.ok(ms < -30_610_224_000_000 || ms >= 253_402_300_800_000, String(ms));
    const text = dateTimeText(date);
    if (text !== null) assert.equal(text, date.toISOString().slice(0, 19).replace('T', ' '), String(ms));
    else assert.ok(ms < -30_610_224_000_000 || ms >= 253_402_300_800_000, String(ms));
  }
  assert.throws(() => isoText(new Date(Number.NaN)), RangeError);
  assert.equal(dateTimeText(new Date(Number.NaN)), null);
});
