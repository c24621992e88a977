// parseTimestamp's hand decoding must give the instant Date.parse gives for the same text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProjectedJsonDecoder } from './projected.ts';
import { parseTimestamp } from './values.ts';

test('timestamps of years 0-99 are those years, as Date.parse has them (Date.UTC would make them 1900-1999)', () => {
  const texts = ['0050-01-01T00:00:00.000Z', '0000-02-29T10:20:30Z', '0099-12-31T23:59:59.999Z', '0100-03-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2026-02-30T00:00:00.000Z'];
  const decoder = new ProjectedJsonDecoder(['t']);
  for (const text of texts) {
    const want = Date.parse(text);
    assert.equal(parseTimestamp(text)?.getTime(), want, text);
    const line = Buffer.from(JSON.stringify({ t: text }));
    const row = decoder.decode(line, 0, line.length);
    assert.ok(row?.t instanceof Date, text);
    assert.equal(row.t.getTime(), want, `projected ${text}`);
  }
});
