// The OpenSearch sink's field mapping and document text, without a server (the round trips through a real
// node are in sink.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { documentJson, expressionId, inferMappings, keyId, legacyPositionId, nodeTag, positionId } from './mapping.ts';

test('mappings follow the documented table; long widens to double; nulls map nothing', () => {
  const m = inferMappings([
    { s: 'x', n: 1, f: null, b: true, t: new Date(0), bytes: new Uint8Array([1]), o: { a: 1 }, arr: [null, 2.5], big: 5n, empty: null },
    { n: 2.5, f: 3 },
  ]);
  assert.deepEqual(Object.fromEntries([...m].map(([k, v]) => [k, v.type])), {
    s: 'text', n: 'double', f: 'long', b: 'boolean', t: 'date', bytes: 'binary', o: 'object', arr: 'double', big: 'long',
  });
  assert.deepEqual(m.get('s'), { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } });
});

test('documents: dates as ISO 8601, bytes (Uint8Array or Buffer) as base64, big integers exact', () => {
  const text = documentJson({ t: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 5)), u: new Uint8Array([1, 2, 255]), b: Buffer.from('hi'), small: 7n, huge: 2n ** 70n, nested: { when: new Date(0) } });
  assert.deepEqual(JSON.parse(text), { t: '2026-01-01T00:00:00.005Z', u: 'AQL/', b: 'aGk=', small: 7, huge: '1180591620717411303424', nested: { when: '1970-01-01T00:00:00.000Z' } });
});

test('ids: keys as JSON arrays, expression values as text, positional ids, long ids hashed', () => {
  assert.equal(keyId({ region: 'eu', window_start: new Date(60_000), n: 3 }, ['region', 'window_start']), '["eu","1970-01-01T00:01:00.000Z"]');
  assert.equal(keyId({ window_start: new Date(0) }, ['region', 'window_start']), '[null,"1970-01-01T00:00:00.000Z"]');
  assert.equal(expressionId(42), '42');
  assert.equal(expressionId(null), null);
  assert.equal(expressionId(''), null);
  assert.equal(legacyPositionId('p', 'n', 7, 3), 'p/n/7/3');
  assert.equal(nodeTag('p', 'n'), createHash('sha256').update('["p","n"]').digest('base64url').slice(0, 12));
  assert.equal(positionId(nodeTag('p', 'n'), 7, 1_000_000), `${nodeTag('p', 'n')}.7.lfls`);
  // pipeline and node names that join to the same text still get tags of their own
  assert.notEqual(nodeTag('a/b', 'c'), nodeTag('a', 'b/c'));
  const ids = new Set<string>();
  for (const [p, n] of [['p', 'n'], ['p', 'm'], ['q', 'n']]) for (let c = 1; c < 40; c++) for (let i = 0; i < 50; i++) ids.add(positionId(nodeTag(p as string, n as string), c, i));
  assert.equal(ids.size, 3 * 39 * 50);
  assert.match(expressionId('x'.repeat(600)) ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(expressionId('x'.repeat(512)), 'x'.repeat(512));
});
