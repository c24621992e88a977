import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLosslessJson, stringifyLosslessJson } from './json.ts';

test('parses like JSON.parse, except integers beyond 2^53 become exact bigints', () => {
  const samples = ['{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\"y\\\\z\\u00e9\\n"],"b":{"c":0}}', ' [ 1 , 2 ] ', '"\\ud83d\\ude00"', '-0', '1.5E+2', '9007199254740991'];
  for (const text of samples) assert.deepEqual(parseLosslessJson(text), JSON.parse(text), text);
  assert.deepEqual(parseLosslessJson('{"id":8744736658442914487,"neg":-9223372036854775808,"small":42}'), { id: 8744736658442914487n, neg: -9223372036854775808n, small: 42 });
  assert.equal(parseLosslessJson('9007199254740993'), 9007199254740993n, 'JSON.parse would give ...992');
  assert.equal(parseLosslessJson('1e400'), Infinity, 'non-integers keep JSON.parse semantics');
});

test('a "__proto__" key stays plain data', () => {
  const parsed = parseLosslessJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('bad JSON is a SyntaxError with the position', () => {
  for (const text of ['', '{', '[1,]', '{"a" 1}', '{"a":1}x', 'tru', '"open', '01']) {
    assert.throws(() => parseLosslessJson(text), SyntaxError, text);
  }
});

test('stringify writes bigints as exact digits and leaves look-alike strings alone', () => {
  const value = { id: 8744736658442914487n, list: [1n, -5n], s: 'big:123', n: 1.5 };
  const text = stringifyLosslessJson(value);
  assert.equal(text, '{"id":8744736658442914487,"list":[1,-5],"s":"big:123","n":1.5}');
  assert.deepEqual(parseLosslessJson(text), { id: 8744736658442914487n, list: [1, -5], s: 'big:123', n: 1.5 });
});
