import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlString, withConnection } from '../duckdb.ts';
import { COMPRESSION_CODEC } from '../format/metadata.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { compressionOf } from './parquet.ts';
import type { LakeTable } from './table.ts';

async function codecs(table: LakeTable): Promise<string[]> {
  const files = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  assert.ok(files.length > 0);
  const list = files.map((file) => sqlString(file.path)).join(', ');
  return withConnection(async (connection) => {
    const result = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata([${list}]) ORDER BY 1`);
    return result.getRowsJS().map((row) => String(row[0]));
  });
}

const fields = [{ name: 'id', required: false, type: 'long' as const }, { name: 'name', required: false, type: 'string' as const }];

test('data files are uncompressed unless the table asks for a codec', async (t) => {
  const lake = openLake(await tempDir(t));
  const plain = await lake.createTable('plain', { fields });
  await plain.append([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  assert.deepEqual(await codecs(plain), ['UNCOMPRESSED']);

  const small = await lake.createTable('small', { fields, properties: { [COMPRESSION_CODEC]: 'zstd' } });
  await small.append([{ id: 1, name: 'a' }]);
  await small.append([{ id: 2, name: 'b' }]);
  assert.deepEqual(await codecs(small), ['ZSTD']);
  await small.compact();
  assert.deepEqual(await codecs(small), ['ZSTD'], 'compaction keeps the codec');
});

test('codec names are read as Java reads them', () => {
  assert.equal(compressionOf({}), 'uncompressed');
  assert.equal(compressionOf({ [COMPRESSION_CODEC]: ' ZSTD ' }), 'zstd');
  assert.equal(compressionOf({ [COMPRESSION_CODEC]: 'snappy' }), 'snappy');
  assert.equal(compressionOf({ [COMPRESSION_CODEC]: 'lz4' }), 'lz4_raw');
  assert.equal(compressionOf({ [COMPRESSION_CODEC]: 'lzo' }), 'uncompressed', 'DuckDB cannot write LZO');
  assert.equal(compressionOf({ [COMPRESSION_CODEC]: "zstd') TO 'x" }), 'uncompressed', 'never spliced into SQL');
});
