import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideExternalLink } from './external-links.ts';

test('documentation hosts open, other https links ask, everything else is refused', () => {
  assert.deepEqual(decideExternalLink('https://iceberg.apache.org/spec/'), { action: 'open', url: 'https://iceberg.apache.org/spec/' });
  assert.equal(decideExternalLink('https://www.duckdb.org/docs').action, 'open');
  assert.deepEqual(decideExternalLink('https://evil.example/x'), { action: 'ask', url: 'https://evil.example/x', host: 'evil.example' });
  // Look-alikes are not documentation hosts.
  assert.equal(decideExternalLink('https://duckdb.org.evil.example/').action, 'ask');
  assert.equal(decideExternalLink('https://notduckdb.org/').action, 'ask');
  for (const link of ['http://duckdb.org/', 'file:///etc/passwd', 'ms-msdt:/id', 'smb://host/share', 'javascript:alert(1)', 'not a url', 'https://duckdb.org@evil.example/']) {
    assert.equal(decideExternalLink(link).action, 'refuse', link);
  }
});
