// Params validation at the host boundary: malformed params are refused with a message that names the
// method, the path and what was expected; well-formed params pass through unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import { studioMethods } from './contract.ts';
import { validateCall } from './validate.ts';

function refused(method: string, params: unknown, message: RegExp, code = 'ENG_HOST_REQUEST'): void {
  assert.throws(() => validateCall(method, params), (error: unknown) => {
    assert.ok(error instanceof EngineError, 'an EngineError');
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

test('every contract method has a validator', () => {
  assert.ok(studioMethods.length >= 45);
  for (const method of studioMethods) {
    // Either accepted or refused with a clear EngineError, never a crash.
    try {
      validateCall(method, undefined);
    } catch (error) {
      assert.ok(error instanceof EngineError, `${method}: ${String(error)}`);
      assert.match(error.message, new RegExp(`^${method} params`));
    }
  }
});

test('snapshot ids are decimal text up to 2^63-1 (64-bit, beyond what a JSON number keeps exact)', () => {
  assert.deepEqual(validateCall('lakeRollback', { table: 't', snapshotId: '9223372036854775807' }).params, { table: 't', snapshotId: '9223372036854775807' });
  assert.deepEqual(validateCall('sqlRun', { sql: 'select 1', version: { snapshot: '8744736658442914487' } }).params, { sql: 'select 1', version: { snapshot: '8744736658442914487' } });
  refused('lakeRollback', { table: 't', snapshotId: '9223372036854775808' }, /snapshotId must be a snapshot id/);
  refused('lakeRollback', { table: 't', snapshotId: 8744736658442914000 }, /snapshotId must be a snapshot id/);
  refused('lakeDiff', { table: 't', from: '-1', to: '2' }, /from must be a snapshot id/);
});

test('unknown methods are refused as not found', () => {
  refused('deleteEverything', {}, /Unknown method "deleteEverything"/, 'ENG_HOST_NOT_FOUND');
  refused('__proto__', {}, /Unknown method/, 'ENG_HOST_NOT_FOUND');
  refused('toString', {}, /Unknown method/, 'ENG_HOST_NOT_FOUND');
});

test('wrong types, missing fields, unknown fields and out-of-range numbers name the path', () => {
  refused('lakeTable', {}, /^lakeTable params\.table must be a string \(got nothing\)$/);
  refused('lakeTable', { table: 42 }, /lakeTable params\.table must be a string \(got 42\)/);
  refused('lakeTable', { table: '../etc' }, /lakeTable params\.table must be a table name/);
  refused('lakeTable', { table: 'orders', snapshot: 1 }, /lakeTable params has an unknown field "snapshot"/);
  refused('lakeTable', 'orders', /lakeTable params must be an object \(got "orders"\)/);
  refused('nodePreview', { nodeId: 'a', limit: 0 }, /nodePreview params\.limit must be an integer between 1 and 10000 \(got 0\)/);
  refused('nodePreview', { nodeId: 'a', limit: 1.5 }, /must be an integer/);
  refused('nodePreview', { nodeId: 'a', port: 'side' }, /nodePreview params\.port must be one of "out", "error", "late" \(got "side"\)/);
  refused('sqlRun', { sql: '' }, /sqlRun params\.sql must be a non-empty string/);
  refused('sqlRun', { sql: 'select 1', version: { tag: 'a', branch: 'b' } }, /at most one of snapshot, tag, branch, asOf \(got tag and branch\)/);
  refused('sqlRun', { sql: 'select 1', queryId: 'a b' }, /sqlRun params\.queryId must be a query id \(letters, digits, _ and -, at most 64\)/);
  refused('sqlRun', { sql: 'select 1', queryId: '../x' }, /sqlRun params\.queryId must be a query id/);
  refused('sqlRun', { sql: 'select 1', queryId: 'x'.repeat(65) }, /sqlRun params\.queryId must be a string of at most 64 characters/);
  refused('sqlRun', { sql: 'select 1', queryId: '' }, /sqlRun params\.queryId must be a non-empty string/);
  refused('runStart', { doc: { nodes: 'x' } }, /runStart params\.doc must be a pipeline document/);
  refused('runStart', { doc: { nodes: [], edges: [] }, options: { maxEvents: -1 } }, /runStart params\.options\.maxEvents must be an integer ≥ 1/);
  refused('kafkaSaveConnection', { connection: { name: 'x', brokers: ['no-port'], security: 'plaintext' } }, /kafkaSaveConnection params\.connection\.brokers\[0\] must be host:port/);
  refused('kafkaTestConnection', {}, /exactly one of "name"/);
  refused('kafkaPeek', { connection: 'local', topic: 't', from: { offset: -1 } }, /kafkaPeek params\.from must be "earliest", "latest", \{offset\} or \{timestamp\}/);
  refused('hostInfo', { anything: 1 }, /hostInfo params must be absent/);
  refused('fileSave', { path: 'a', doc: { nodes: [], edges: [] }, overwrite: 'yes' }, /fileSave params\.overwrite must be true or false/);
});

test('valid params pass through, with absent optional fields left out', () => {
  assert.deepEqual(validateCall('hostInfo', undefined), { method: 'hostInfo', params: undefined });
  assert.deepEqual(validateCall('nodePreview', { nodeId: 'a', port: 'late' }), { method: 'nodePreview', params: { nodeId: 'a', port: 'late' } });
  assert.deepEqual(validateCall('sqlRun', { sql: 'select 1', version: { asOf: 1767225600000 }, pageSize: 100 }).params, { sql: 'select 1', version: { asOf: 1767225600000 }, pageSize: 100 });
  assert.deepEqual(validateCall('sqlRun', { sql: 'select 1', queryId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479_2' }).params, { sql: 'select 1', queryId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479_2' });
  assert.deepEqual(validateCall('kafkaPeek', { connection: 'local', topic: 't', from: 'earliest' }).params, { connection: 'local', topic: 't', from: 'earliest' });
  assert.deepEqual(validateCall('deadLetters', undefined).params, undefined);
  assert.deepEqual(validateCall('kafkaProduce', { connection: 'local', topic: 't', value: null, key: null }).params, { connection: 'local', topic: 't', value: null, key: null });
});
