import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenKind } from './index.ts';
import { tokenize } from './index.ts';

function kinds(text: string): [string, TokenKind][] {
  return tokenize(text).filter((t) => t.kind !== 'whitespace').map((t) => [text.slice(t.start, t.end), t.kind]);
}

test('classifies every construct for highlighting', () => {
  assert.deepEqual(kinds("CAST(a.b AS INT) >= 1.5 AND upper(\"x y\") || 'it''s' IS NOT NULL -- done"), [
    ['CAST', 'function'], ['(', 'punctuation'], ['a', 'identifier'], ['.', 'punctuation'], ['b', 'identifier'], ['AS', 'keyword'],
    ['INT', 'keyword'], [')', 'punctuation'], ['>=', 'operator'], ['1.5', 'number'], ['AND', 'keyword'], ['upper', 'function'],
    ['(', 'punctuation'], ['"x y"', 'identifier'], [')', 'punctuation'], ['||', 'operator'], ["'it''s'", 'string'],
    ['IS', 'keyword'], ['NOT', 'keyword'], ['NULL', 'keyword'],
  ]);
  assert.deepEqual(kinds('EXTRACT(HOUR FROM ts)'), [['EXTRACT', 'function'], ['(', 'punctuation'], ['HOUR', 'keyword'], ['FROM', 'keyword'], ['ts', 'identifier'], [')', 'punctuation']]);
  assert.deepEqual(kinds('date > 1'), [['date', 'identifier'], ['>', 'operator'], ['1', 'number']]);
  assert.deepEqual(kinds("TIMESTAMP '2026-01-01'"), [['TIMESTAMP', 'keyword'], ["'2026-01-01'", 'string']]);
  assert.deepEqual(kinds('a.end'), [['a', 'identifier'], ['.', 'punctuation'], ['end', 'identifier']]);
  assert.deepEqual(kinds("a ? 'open"), [['a', 'identifier'], ['?', 'error'], ["'open", 'error']]);
  assert.deepEqual(tokenize('-- note').map((t) => t.kind), ['whitespace']);
});

test('tokens tile the input exactly, for any input', () => {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const alphabet = ["a", 'Z', '_', '1', '.', 'e', "'", '"', '`', '(', ')', ',', '-', '+', '*', '/', '%', '|', '!', '<', '>', '=', ' ', '\n', '😀', 'é', '\u0000', '#', 'AND ', 'CAST(', '/*', '*/', '--'];
  const samples = ['', ' ', "amount > 0 AND region IS NOT NULL", "'unterminated", '/* open', '`a``b`.c', '1e5 1e 1.2.3'];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = Math.floor(random() * 30);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
    samples.push(s);
  }
  for (const text of samples) {
    const tokens = tokenize(text);
    let at = 0;
    for (const t of tokens) {
      assert.equal(t.start, at, JSON.stringify(text));
      assert.ok(t.end > t.start, JSON.stringify(text));
      at = t.end;
    }
    assert.equal(at, text.length, JSON.stringify(text));
    assert.equal(tokens.map((t) => text.slice(t.start, t.end)).join(''), text);
  }
});
