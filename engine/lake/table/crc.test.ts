import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { hadoopCrc, sidecarMatches, sidecarOf, sidecarTarget } from './crc.ts';

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

test('sidecar names and the Hadoop checksum layout', () => {
  assert.equal(sidecarOf('/t/metadata/version-hint.text'), '/t/metadata/.version-hint.text.crc');
  assert.equal(sidecarTarget('/t/metadata/.v3.metadata.json.crc'), '/t/metadata/v3.metadata.json');
  assert.equal(sidecarTarget('/t/metadata/v3.metadata.json'), null);
  const crc = hadoopCrc(Buffer.alloc(1100, 7));
  assert.deepEqual([...crc.subarray(0, 8)], [0x63, 0x72, 0x63, 0, 0, 0, 2, 0], '"crc\\0" then 512 as a big-endian int');
  assert.equal(crc.length, 8 + 3 * 4, 'one CRC-32 per started 512-byte chunk');
  assert.ok(sidecarMatches(crc, Buffer.alloc(1100, 7)));
  assert.ok(!sidecarMatches(crc, Buffer.alloc(1100, 8)));
  assert.ok(sidecarMatches(hadoopCrc(Buffer.from('12'), 4), Buffer.from('12')), 'any chunk size is accepted');
});

test('a commit never leaves a stale sidecar next to version-hint.text or a deleted metadata version', async (t) => {
  const dir = await tempDir(t);
  const table = await openLake(dir).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }], properties: { 'write.metadata.previous-versions-max': '1' } });
  await table.append([{ id: 1 }]);
  const meta = path.join(dir, 't', 'metadata');
  // what Java's LocalFileSystem leaves after it wrote the hint and a version
  const hint = path.join(meta, 'version-hint.text');
  await writeFile(sidecarOf(hint), hadoopCrc(await readFile(hint)));
  const v1 = path.join(meta, 'v1.metadata.json');
  await writeFile(sidecarOf(v1), hadoopCrc(await readFile(v1)));
  await table.append([{ id: 2 }]);
  await table.append([{ id: 3 }]);
  assert.equal(await readFile(hint, 'utf8'), String(table.version()));
  assert.ok(!(await exists(sidecarOf(hint))), 'the old checksum would make Java fail with ChecksumException');
  assert.ok(!(await exists(v1)) && !(await exists(sidecarOf(v1))), 'an old version goes with its sidecar');
});

test('orphan removal knows sidecars: kept with a live file, removed with an orphan or when alone', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(Date.parse('2030-01-01T00:00:00Z'));
  const table = await openLake(dir, { clock: time }).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await table.append([{ id: 1 }]);
  const data = path.join(dir, 't', 'data');
  const [live] = (await readdir(data)).filter((n) => n.endsWith('.parquet')).map((n) => path.join(data, n));
  assert.ok(live);
  await writeFile(sidecarOf(live), hadoopCrc(await readFile(live)));
  const orphan = path.join(data, 'orphan.parquet');
  await writeFile(orphan, 'x');
  await writeFile(sidecarOf(orphan), hadoopCrc(Buffer.from('x')));
  const lonely = path.join(dir, 't', 'metadata', '.gone.avro.crc');
  await writeFile(lonely, hadoopCrc(Buffer.from('gone')));
  const old = new Date('2029-01-01T00:00:00Z');
  for (const f of [live, sidecarOf(live), orphan, sidecarOf(orphan), lonely]) await utimes(f, old, old);
  const { removed } = await table.removeOrphans({ olderThanMs: 86_400_000 });
  assert.deepEqual(removed.sort(), [lonely, orphan].sort());
  assert.ok(!(await exists(sidecarOf(orphan))));
  assert.ok(await exists(live) && (await exists(sidecarOf(live))));
});
