// Staging files of the database sinks: what a restore reads back, and what a new run sweeps.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { serialize } from 'node:v8';
import type { Row } from '../runtime/types.ts';
import { pendingRefs, Staging, type StagingCodec } from './staging.ts';

const home = mkdtempSync(path.join(tmpdir(), 'streamlake-staging-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('a new instance reads staged rows back with their types; sweep keeps only what a checkpoint names', async () => {
  const first = new Staging(home, 'sales/eu', 'pg sink');
  const rows = [{ id: 1, at: new Date(Date.UTC(2026, 0, 1, 12)), raw: new Uint8Array([1, 2, 255]), tags: ['a'], none: null }];
  const ref = await first.write({ id: 3, rows, retracts: [{ position: 1, keys: [{ id: 0 }] }], upsertKey: ['id'] });
  assert.equal(path.dirname(ref.file), path.join(home, 'pending', 'sales_eu', 'pg_sink'));
  const stale = path.join(first.dir, 'chk-2-leftover.v8');
  writeFileSync(stale, 'from a crash before its checkpoint');

  // a restore: another process, only the refs from the checkpoint file
  const second = new Staging(home, 'sales/eu', 'pg sink');
  const refs = pendingRefs(JSON.parse(JSON.stringify({ format: 'f', segments: [ref] })), 'f', 'pg');
  const [segment] = await second.read(refs, 'pg');
  assert.deepEqual(segment, { id: 3, rows, retracts: [{ position: 1, keys: [{ id: 0 }] }], upsertKey: ['id'] });
  assert.ok(segment?.rows[0]?.at instanceof Date);

  await second.sweep(refs);
  assert.deepEqual(readdirSync(first.dir), [path.basename(ref.file)]);
  await second.remove(refs);
  assert.equal(existsSync(ref.file), false);
  await assert.rejects(second.read(refs, 'pg'), { code: 'ENG_RUN_CHECKPOINT' });
  assert.throws(() => pendingRefs({ format: 'other', segments: [] }, 'f', 'pg'), { code: 'ENG_RUN_CHECKPOINT' });
});

test('append stages batch by batch: sealed under the checkpoint, read back whole; an open file survives the sweep until sealed or discarded', async () => {
  const staging = new Staging(home, 'appends', 'node');
  assert.equal(await staging.seal(1), null, 'nothing appended: nothing staged');
  await staging.append({ rows: [{ id: 1, at: new Date(Date.UTC(2026, 0, 2)) }, { id: 2 }] });
  await staging.append({ rows: [{ id: 3 }], retracts: [{ position: 2, keys: [{ id: 1 }] }], upsertKey: ['id'] });
  assert.equal(staging.appended, 3);
  const [open] = readdirSync(staging.dir);
  assert.match(open ?? '', /^open-/);
  await staging.sweep([]);
  assert.deepEqual(readdirSync(staging.dir), [open], 'the file being filled is not swept');
  const ref = await staging.seal(4);
  assert.ok(ref);
  assert.equal(ref.rows, 3);
  assert.equal(staging.appended, 0);
  assert.deepEqual(readdirSync(staging.dir), [path.basename(ref.file)]);
  assert.match(path.basename(ref.file), /^chk-4-/);
  const [segment] = await new Staging(home, 'appends', 'node').read([ref], 'node');
  assert.deepEqual(segment, { id: 4, rows: [{ id: 1, at: new Date(Date.UTC(2026, 0, 2)) }, { id: 2 }, { id: 3 }], retracts: [{ position: 2, keys: [{ id: 1 }] }], upsertKey: ['id'] });

  // a file cut short (a crash while appending is never named; a damaged one is reported, not half-read)
  writeFileSync(ref.file, Buffer.concat([Buffer.from('SLSTAGE1'), Buffer.from([200, 0, 0, 0, 1])]));
  await assert.rejects(new Staging(home, 'appends', 'node').read([ref], 'node'), { code: 'ENG_RUN_CHECKPOINT' });

  await staging.append({ rows: [{ id: 9 }] });
  await staging.discard();
  assert.deepEqual(readdirSync(staging.dir), [path.basename(ref.file)]);
});

/** A codec for the test: rows as JSON lines (the PostgreSQL sink's COPY text codec is tested in postgres/). */
const jsonCodec: StagingCodec = {
  name: 'test-json',
  decode(meta, bytes, rows) {
    assert.deepEqual(meta, { form: 'json' });
    const out = bytes.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
    if (out.length !== rows) throw new Error('row count');
    return out;
  },
};
const encode = (rows: Row[]): { meta: unknown; bytes: Buffer; rows: number } => ({ meta: { form: 'json' }, bytes: Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join('')), rows: rows.length });

test('encoded batches are staged as their bytes, read back by the codec, in order with rows staged as they are', async () => {
  const staging = new Staging(home, 'encoded', 'node', jsonCodec);
  const a = [{ id: 1, v: 'x' }, { id: 2, v: 'y' }];
  const b = [{ id: 3, at: new Date(Date.UTC(2026, 0, 3)) }];
  const c = [{ id: 4, v: 'z' }];
  await staging.append({ rows: a }, encode(a));
  await staging.append({ rows: b });
  await staging.append({ rows: c }, encode(c));
  const ref = await staging.seal(5);
  assert.ok(ref);
  assert.equal(ref.rows, 4);
  const fresh = new Staging(home, 'encoded', 'node', jsonCodec);
  const [segment] = await fresh.read([ref], 'node');
  assert.deepStrictEqual(segment?.rows, [...a, ...b, ...c]);
  assert.equal(await fresh.readEncoded(ref, 'node'), null, 'a file with rows records is not all encoded');

  // only encoded records: the bytes come back as they were staged
  await staging.append({ rows: a }, encode(a));
  await staging.append({ rows: c }, encode(c));
  const only = await staging.seal(6);
  assert.ok(only);
  const records = await fresh.readEncoded(only, 'node');
  assert.deepEqual(records?.map((r) => [r.rows, r.bytes.toString()]), [[2, encode(a).bytes.toString()], [1, encode(c).bytes.toString()]]);
  // a sink without the codec (or with another) refuses the file with its own code
  await assert.rejects(new Staging(home, 'encoded', 'node').read([only], 'node'), { code: 'ENG_STAGING_CODEC', message: /encoded as test-json/ });
  await assert.rejects(new Staging(home, 'encoded', 'node', { ...jsonCodec, name: 'other' }).readEncoded(only, 'node'), { code: 'ENG_STAGING_CODEC' });
  // a count that does not match the checkpoint's is reported, not half-used
  await assert.rejects(fresh.readEncoded({ ...only, rows: 4 }, 'node'), { code: 'ENG_RUN_CHECKPOINT' });

  // retractions or an upsert key: the rows are staged, whatever the encoder offered
  await staging.append({ rows: a, upsertKey: ['id'] }, encode(a));
  const keyed = await staging.seal(7);
  assert.ok(keyed);
  assert.equal(await fresh.readEncoded(keyed, 'node'), null);
  // a segment this process holds in memory is not read from its file
  await staging.append({ rows: a }, encode(a));
  const held = await staging.seal(8, { id: 8, rows: a, retracts: [] });
  assert.ok(held);
  assert.equal(await staging.readEncoded(held, 'node'), null);
  assert.equal((await fresh.readEncoded(held, 'node'))?.length, 1);
  assert.deepEqual((await fresh.read([keyed], 'node'))[0]?.upsertKey, ['id']);
});

test('a file staged by the first append format (v8 records behind SLSTAGE1) is still read', async () => {
  const dir = new Staging(home, 'old', 'node').dir;
  mkdirSync(dir, { recursive: true });
  const record = (part: object): Buffer => {
    const body = serialize(part);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    return Buffer.concat([head, body]);
  };
  const file = path.join(dir, 'chk-2-old.v8');
  writeFileSync(file, Buffer.concat([Buffer.from('SLSTAGE1'), record({ rows: [{ id: 1 }], retracts: [] }), record({ rows: [{ id: 2 }], retracts: [{ position: 1, keys: [{ id: 1 }] }], upsertKey: ['id'] })]));
  const [segment] = await new Staging(home, 'old', 'node', jsonCodec).read([{ id: 2, file, rows: 2 }], 'node');
  assert.deepEqual(segment, { id: 2, rows: [{ id: 1 }, { id: 2 }], retracts: [{ position: 1, keys: [{ id: 1 }] }], upsertKey: ['id'] });
});
