// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { clickhouseKind, connectionKindFor, formProblems, initialValues, layerOutcomes, postgresKind } from './kinds.ts';

test('each database sink type finds its connection kind; other nodes none', () => {
  assert.equal(connectionKindFor('sink.postgres'), postgresKind);
  assert.equal(connectionKindFor('sink.clickhouse'), clickhouseKind);
  assert.equal(connectionKindFor('sink.lake'), undefined);
});

test('form problems name the field by its label', () => {
  const values = { ...initialValues(postgresKind), name: '', port: '99999' };
  assert.deepEqual(formProblems(postgresKind, values), { name: 'Name is required', port: 'Port: a number from 1 to 65535' });
  assert.deepEqual(formProblems(postgresKind, { ...values, name: 'warehouse', port: '5432' }), {});
  assert.match(formProblems(clickhouseKind, { ...initialValues(clickhouseKind), name: 'a', url: '127.0.0.1:8123' }).url ?? '', /^HTTP URL: http:\/\/host:port/);
  // The CA field only counts while TLS is on.
  assert.equal(postgresKind.fields.find((f) => f.key === 'ca')?.when?.key, 'tls');
});

test('a failed test reads layer by layer: passed before the failure, its message on it, not tried after', () => {
  const values = initialValues(postgresKind);
  const outcomes = layerOutcomes(postgresKind, { ok: false, failedAt: 'auth', message: 'The server rejected the password for user "postgres".', elapsedMs: 3 }, values);
  assert.deepEqual(outcomes.map((o) => [o.layer.id, o.state]), [['dns', 'passed'], ['tcp', 'passed'], ['tls', 'unused'], ['auth', 'failed'], ['permission', 'not tried']]);
  assert.equal(outcomes[3]?.words, 'The server rejected the password for user "postgres".');
  assert.equal(outcomes[2]?.words, 'not used (off)');

  const ok = layerOutcomes(clickhouseKind, { ok: true, message: 'Signed in', elapsedMs: 1 }, { ...initialValues(clickhouseKind), url: 'https://ch:8443' });
  assert.deepEqual(ok.map((o) => o.state), ['passed', 'passed', 'passed', 'passed', 'passed']);

  const unknown = layerOutcomes(clickhouseKind, { ok: false, failedAt: 'unknown', message: 'odd', elapsedMs: 1 }, initialValues(clickhouseKind));
  assert.ok(unknown.every((o) => o.state === 'unknown'));
});
