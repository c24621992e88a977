import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../errors.ts';
import { decodeAvro, decodeManifest, decodeManifestList, encodeManifest, encodeManifestList, type ManifestEntry, type ManifestFile } from './avro.ts';

const plainBigint = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? `${value}n` : value);

const manifestFile: ManifestFile = {
  manifest_path: 'file:/t/metadata/a-m0.avro',
  manifest_length: 1234,
  partition_spec_id: 0,
  content: 0,
  sequence_number: 3,
  min_sequence_number: 1,
  // above 2^53, as Java's random ids are: avsc's own long type refused these ('potential precision loss')
  added_snapshot_id: 8744736658442914487n,
  added_files_count: 1,
  existing_files_count: 2,
  deleted_files_count: 0,
  added_rows_count: 10,
  existing_rows_count: 20,
  deleted_rows_count: 0,
  partitions: [{ contains_null: false, contains_nan: false, lower_bound: Buffer.from([1, 0, 0, 0]), upper_bound: Buffer.from([9, 0, 0, 0]) }],
  key_metadata: null,
};

test('manifest list round trip keeps values, metadata and field ids', async () => {
  const bytes = await encodeManifestList([manifestFile], { 'snapshot-id': '5', 'format-version': '2' });
  const [decoded] = await decodeManifestList(bytes, 'x.avro');
  assert.equal(decoded?.added_snapshot_id, 8744736658442914487n, 'the 64-bit id comes back exactly');
  assert.deepEqual(JSON.parse(JSON.stringify([decoded], plainBigint)), JSON.parse(JSON.stringify([manifestFile], plainBigint)));
  // the id is a zig-zag varint of the exact value in the file: 2 × id, 9 bytes of 7 bits
  let zz = 8744736658442914487n * 2n;
  const varint: number[] = [];
  while (zz >= 0x80n) {
    varint.push(Number((zz & 0x7fn) | 0x80n));
    zz >>= 7n;
  }
  varint.push(Number(zz));
  assert.ok(bytes.includes(Buffer.from(varint)), 'the exact varint is in the file');
  const { metadata } = await decodeAvro(bytes, 'x.avro');
  assert.equal(metadata['snapshot-id'], '5');
  const schema = JSON.parse(metadata['avro.schema'] ?? '{}') as { fields: { name: string; 'field-id': number }[] };
  assert.equal(schema.fields.find((f) => f.name === 'added_snapshot_id')?.['field-id'], 503);
  assert.match(metadata['avro.schema'] ?? '', /"element-id":508/);
});

test('manifest round trip with a partition record and metric maps', async () => {
  const entry: ManifestEntry = {
    status: 0,
    snapshot_id: 9223372036854775807n,
    sequence_number: 2,
    file_sequence_number: null,
    data_file: {
      content: 0,
      file_path: 'file:/t/data/x.parquet',
      file_format: 'PARQUET',
      partition: { ts_day: 17486, id_bucket: 3 },
      record_count: 100,
      file_size_in_bytes: 4096,
      column_sizes: null,
      value_counts: [{ key: 1, value: 100 }],
      null_value_counts: [{ key: 1, value: 0 }],
      nan_value_counts: null,
      lower_bounds: [{ key: 1, value: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) }],
      upper_bounds: [{ key: 1, value: Buffer.from([100, 0, 0, 0, 0, 0, 0, 0]) }],
      key_metadata: null,
      split_offsets: null,
      equality_ids: null,
      sort_order_id: null,
    },
  };
  const fields = [
    { fieldId: 1000, name: 'ts_day', avroType: { type: 'int', logicalType: 'date' } },
    { fieldId: 1001, name: 'id_bucket', avroType: 'int' },
  ];
  const bytes = await encodeManifest(fields, [entry], { 'partition-spec-id': '0', 'format-version': '2', content: 'data' });
  const { entries, metadata } = await decodeManifest(bytes, 'm.avro');
  assert.deepEqual(JSON.parse(JSON.stringify(entries, plainBigint)), JSON.parse(JSON.stringify([entry], plainBigint)));
  assert.equal(entries[0]?.snapshot_id, 2n ** 63n - 1n, 'the largest long survives');
  assert.equal(metadata.content, 'data');
  const schema = metadata['avro.schema'] ?? '';
  assert.match(schema, /"name":"ts_day","type":\["null",\{"type":"int","logicalType":"date"\}\],"default":null,"field-id":1000/);
  assert.match(schema, /"name":"k126_v127"/);
});

test('a truncated Avro file is an error naming it', async () => {
  const bytes = await encodeManifestList([manifestFile, manifestFile], {});
  await assert.rejects(decodeManifestList(bytes.subarray(0, bytes.length - 40), '/t/metadata/snap-1.avro'), (e: unknown) => {
    assert.ok(e instanceof EngineError);
    assert.equal(e.code, 'ENG_LAKE_METADATA');
    assert.match(e.message, /\/t\/metadata\/snap-1\.avro/);
    return true;
  });
});

test('an empty manifest list is still a readable Avro file (a checkpoint that committed no rows)', async () => {
  const bytes = await encodeManifestList([], { 'snapshot-id': '1', 'format-version': '2' });
  assert.ok(bytes.length > 0);
  const decoded = await decodeManifestList(bytes, 'empty.avro');
  assert.deepEqual(decoded, []);
});
