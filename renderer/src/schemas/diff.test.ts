// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { diffLines } from './diff.ts';

test('a line diff keeps common lines and marks what was added and removed, in order', () => {
  const before = '{\n  "a": 1,\n  "b": 2\n}';
  const after = '{\n  "a": 1,\n  "b": "x",\n  "c": 3\n}';
  assert.deepEqual(diffLines(before, after), [
    { kind: 'same', text: '{' },
    { kind: 'same', text: '  "a": 1,' },
    { kind: 'removed', text: '  "b": 2' },
    { kind: 'added', text: '  "b": "x",' },
    { kind: 'added', text: '  "c": 3' },
    { kind: 'same', text: '}' },
  ]);
  assert.deepEqual(diffLines('x', 'x'), [{ kind: 'same', text: 'x' }]);
  assert.deepEqual(diffLines('', 'y').filter((l) => l.kind !== 'same'), [{ kind: 'removed', text: '' }, { kind: 'added', text: 'y' }]);
});
