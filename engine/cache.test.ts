import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheRoot, contentKey } from './cache.ts';

test('the cache lives outside the checkout: STREAMLAKE_CACHE, else an absolute XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(cacheRoot({ STREAMLAKE_CACHE: '/srv/cache' }), '/srv/cache');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/var/xdg' }), '/var/xdg/streamlake');
  // The XDG rule ignores relative paths, which would put the cache inside whatever folder a test runs in.
  assert.equal(cacheRoot({ XDG_CACHE_HOME: 'relative' }), join(homedir(), '.cache', 'streamlake'));
  assert.equal(cacheRoot({}), join(homedir(), '.cache', 'streamlake'));
});

test('a content key changes with any byte of any file and with their order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cache-key-'));
  const a = join(dir, 'A.java');
  const b = join(dir, 'B.java');
  writeFileSync(a, 'class A {}');
  writeFileSync(b, 'class B {}');
  const first = contentKey([a, b]);
  assert.match(first, /^[0-9a-f]{16}$/);
  assert.equal(contentKey([a, b]), first);
  assert.notEqual(contentKey([b, a]), first);
  writeFileSync(b, 'class B { }');
  assert.notEqual(contentKey([a, b]), first);
});
