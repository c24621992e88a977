// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { tokenize } from './highlight.ts';

test('JSON keys, strings, numbers and literals; proto keywords and comments', () => {
  const json = tokenize('{"type": "record", "n": -1.5e3, "d": null}');
  assert.deepEqual(json.filter((t) => t.kind !== 'plain'), [
    { kind: 'key', text: '"type"' }, { kind: 'string', text: '"record"' }, { kind: 'key', text: '"n"' }, { kind: 'number', text: '-1.5e3' }, { kind: 'key', text: '"d"' }, { kind: 'keyword', text: 'null' },
  ]);
  assert.equal(json.map((t) => t.text).join(''), '{"type": "record", "n": -1.5e3, "d": null}');
  const proto = tokenize('message Order { optional int64 qty = 2; } // note');
  assert.deepEqual(proto.filter((t) => t.kind !== 'plain'), [
    { kind: 'keyword', text: 'message' }, { kind: 'keyword', text: 'optional' }, { kind: 'keyword', text: 'int64' }, { kind: 'number', text: '2' }, { kind: 'comment', text: '// note' },
  ]);
});
