import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketHash, murmur3, parsePartitionText, parseTransform, partitionFieldName } from './partition.ts';

const micros = (iso: string): number => Date.parse(iso) * 1000;

// Iceberg spec, Appendix B "32-bit Hash Requirements" test vectors
test('bucket hashes match the Iceberg spec test vectors', () => {
  assert.equal(bucketHash('int', 34), 2017239379);
  assert.equal(bucketHash('long', 34), 2017239379);
  assert.equal(bucketHash('decimal(9, 2)', 1420n), -500754589);
  assert.equal(bucketHash('date', Date.parse('2017-11-16T00:00:00Z') / 86_400_000), -653330422);
  assert.equal(bucketHash('time', (22 * 3600 + 31 * 60 + 8) * 1_000_000), -662762989);
  assert.equal(bucketHash('timestamp', micros('2017-11-16T22:31:08Z')), -2047944441);
  assert.equal(bucketHash('timestamp', micros('2017-11-16T22:31:08Z') + 1), -1207196810);
  assert.equal(bucketHash('timestamptz', micros('2017-11-16T14:31:08-08:00')), -2047944441);
  assert.equal(bucketHash('string', 'iceberg'), 1210000089);
  assert.equal(bucketHash('uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'), 1488055340);
  assert.equal(bucketHash('binary', new Uint8Array([0, 1, 2, 3])), -188683207);
});

test('murmur3 handles every tail length', () => {
  // the spec vectors above cover tails of 0 (8 and 16 bytes), 2 (decimal 14.20 = 0x058c) and 3 ("iceberg")
  assert.equal(murmur3(new Uint8Array()), 0);
  assert.equal(murmur3(Buffer.from('a')), 1009084850); // mmh3.hash("a")
});

test('bucket[N] is the positive hash modulo N', () => {
  const t = parseTransform('bucket[16]');
  assert.equal(t.apply('int', 34), (2017239379 & 0x7fffffff) % 16);
  assert.equal(t.apply('string', 'iceberg'), (1210000089 & 0x7fffffff) % 16);
  assert.equal(t.resultType('string'), 'int');
});

test('truncate follows the spec examples', () => {
  const t10 = parseTransform('truncate[10]');
  assert.equal(t10.apply('int', 1), 0);
  assert.equal(t10.apply('int', -1), -10);
  assert.equal(t10.apply('long', 1), 0);
  assert.equal(t10.apply('long', -1), -10);
  assert.equal(parseTransform('truncate[50]').apply('decimal(9, 2)', 1065n), 1050n);
  assert.equal(parseTransform('truncate[3]').apply('string', 'iceberg'), 'ice');
  assert.equal(parseTransform('truncate[2]').apply('string', '😀😁x'), '😀😁');
});

test('day and hour count from the epoch, also before it', () => {
  assert.equal(parseTransform('day').apply('timestamptz', micros('2017-11-16T22:31:08Z')), 17486);
  assert.equal(parseTransform('day').apply('timestamptz', -1), -1);
  assert.equal(parseTransform('hour').apply('timestamptz', micros('1970-01-01T01:00:00Z')), 1);
  assert.equal(parseTransform('hour').apply('timestamptz', -1), -1);
  assert.equal(parseTransform('day').apply('date', 17486), 17486);
  assert.equal(parseTransform('month').apply('timestamptz', micros('1971-02-01T00:00:00Z')), 13);
  assert.equal(parseTransform('year').apply('date', 365 * 2), 2);
  assert.throws(() => parseTransform('hour').apply('date', 1), /timestamp/);
});

test('partition texts parse to column and transform, with Java field names', () => {
  assert.deepEqual(parsePartitionText('region'), { column: 'region', transform: 'identity' });
  assert.deepEqual(parsePartitionText('day(event_time)'), { column: 'event_time', transform: 'day' });
  assert.deepEqual(parsePartitionText('bucket(16, id)'), { column: 'id', transform: 'bucket[16]' });
  assert.deepEqual(parsePartitionText('truncate(4,s)'), { column: 's', transform: 'truncate[4]' });
  assert.throws(() => parsePartitionText('bucket(id)'), /not one of/);
  assert.throws(() => parsePartitionText('weird(1, 2, 3)'), /not one of/);
  assert.equal(partitionFieldName('ts', 'day'), 'ts_day');
  assert.equal(partitionFieldName('id', 'bucket[16]'), 'id_bucket');
  assert.equal(partitionFieldName('s', 'truncate[4]'), 's_trunc');
});
