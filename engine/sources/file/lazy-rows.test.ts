// A file source whose only consumers copy bytes (NodeContext.bytesReaders 'only') hands over lazy batches:
// records checked, not decoded, until something reads the rows. Whatever reads them must see exactly what
// the eager source pushes: the same batches (boundaries, partition, ports), rows, dead letters and positions,
// whenever the rows are read, and whether a worker or the run's thread checked the records. Compared over
// random files with every kind of record a file can hold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FileSourceConfig } from '../../format/pipeline.ts';
import { JsonRowWriter } from '../../kafka/sink/json-bytes.ts';
import { ManualTime } from '../../runtime/clock.ts';
import { LazyBatch } from '../../runtime/lazy.ts';
import type { Batch, NodeContext, Row, SourcePositions } from '../../runtime/types.ts';
import { randomInts } from '../../testing/random.ts';
import { decodeWorkers } from '../../workers/pool.ts';
import { FileSource } from './source.ts';
import { GrowingOutput } from '../../kafka/sink/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Value spellings: canonical ones and others (escapes, number and timestamp forms, nesting, unicode). */
const values = [
  '0', '-0', '7', '-12', '12.99', '1.10', '1e3', '1E-7', '0.0000001', '123456789012345', '12345678901234567', '9007199254740993', '1e400', '5e-324', '2147483648',
  '"eu"', '""', '"with space"', '"ü"', '"日本"', '"😀"', '"\u2028"', '"a/b"', '"a\\/b"', '"a\\"b"', '"tab\\tx"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"Monitor 27\\""',
  `"${'é'.repeat(40)}"`, `"${'x'.repeat(70)}"`,
  '"2026-01-01T00:00:00.000Z"', '"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00.1Z"', '"2026-01-01T01:00:00.000+01:00"', '"2026-02-30T00:00:00.000Z"', '"2024-02-29T12:00:00.000Z"',
  '"0000-01-01T00:00:00.000Z"', '"0050-06-01T00:00:00.000Z"', '"0099-12-31T23:59:59.999Z"', '"10000-01-01T00:00:00.000Z"', '"+010000-01-01T00:00:00.000Z"', '"+275760-09-13T00:00:00.000Z"',
  '"2026-01-01 00:00:00.000Z"', '"2026-13-01T00:00:00.000Z"',
  'true', 'false', 'null', '[]', '{}', '[1,"x",null]', '{"a":1}', '{"b":1,"a":2}', '{"x":[{"y":"\\u00e9"}]}',
];
const plain = ['0', '7', '-12', '12.99', '"eu"', '"europe"', '"cust-000123"', '"2026-01-01T00:00:00.000Z"', '"2026-03-04T05:06:07.089Z"', 'true', 'null', '"ü"'];
const keys = ['order_id', 'region', 'qty', 'amount', 'at', 'ok'];

/** A random JSON Lines file: mostly canonical lines, many that are not, and some that are not JSON objects. */
function randomFile(seed: number, lines: number): Buffer {
  const rand = randomInts(seed);
  const parts: Buffer[] = [];
  for (let i = 0; i < lines; i++) {
    const r = rand(60);
    let line: string;
    if (r === 0) line = '';
    else if (r === 1) line = '{"order_id":1,';
    else if (r === 2) line = '[1,2]';
    else if (r === 3) line = '   ';
    else {
      let lineKeys = keys;
      if (r === 4) lineKeys = [...keys].reverse();
      else if (r === 5) lineKeys = [...keys, keys[0]!];
      else if (r === 6) lineKeys = keys.slice(0, rand(keys.length + 1));
      line = `{${lineKeys.map((k) => `${JSON.stringify(k)}:${rand(8) === 0 ? values[rand(values.length)] : plain[rand(plain.length)]}`).join(',')}}`;
      if (r === 7) line = line.replace(',', ' , ');
    }
    let bytes = Buffer.from(line);
    if (rand(150) === 0 && bytes.length > 4) bytes = Buffer.concat([bytes.subarray(0, 3), Buffer.from([0xff]), bytes.subarray(3)]);
    if (rand(200) === 0 && bytes.length > 4) bytes = Buffer.concat([bytes.subarray(0, 3), Buffer.from([0xc3, 0xa9]), bytes.subarray(3)]);
    parts.push(bytes, Buffer.from(rand(30) === 0 ? '\r\n' : '\n'));
  }
  return Buffer.concat(parts);
}

interface Pushed { port: string; partition: string; rows: Row[]; position: SourcePositions }

/** Everything a source pushes, rows read only after the run (a lazy batch decodes late) unless `readNow`. */
async function pushes(config: FileSourceConfig, bytesReaders: NodeContext['bytesReaders'], readNow = false, workers?: number): Promise<{ pushed: Pushed[]; lazy: LazyBatch[]; workers: number }> {
  const source = new FileSource(config, { nodeId: 'src', clock: new ManualTime(5), ...(bytesReaders ? { bytesReaders } : {}) }, workers === undefined ? {} : { workers });
  const got: { port: string; batch: Batch; rows: Row[] | undefined; position: SourcePositions }[] = [];
  const lazy: LazyBatch[] = [];
  await source.run(async (batch, port = 'out') => {
    if (batch instanceof LazyBatch) {
      lazy.push(batch);
      assert.equal(batch.materialized, false, 'nothing read the rows yet');
    }
    got.push({ port, batch, rows: readNow ? batch.rows : undefined, position: source.positions() });
  }, new AbortController().signal);
  return { pushed: got.map((g) => ({ port: g.port, partition: g.batch.partition, rows: g.rows ?? g.batch.rows, position: g.position })), lazy, workers: source.workersUsed };
}


test('lazy batches give the eager source\'s batches, rows, dead letters and positions, read at any time', async () => {
  const writer = new JsonRowWriter();
  for (const [seed, encoding] of [[1, 'utf-8'], [2, 'utf-8-replace'], [3, 'latin1'], [4, 'utf-8']] as const) {
    const path = join(dir, `random-${seed}.jsonl`);
    writeFileSync(path, randomFile(seed, 6000));
    const config: FileSourceConfig = { path, format: 'jsonl', encoding };
    const eager = await pushes(config, undefined);
    const some = await pushes(config, 'some');
    const late = await pushes(config, 'only');
    const now = await pushes(config, 'only', true);
    // With a worker checking the records (strict UTF-8 only; others stay on the run's thread), the same.
    assert.equal(late.workers, encoding === 'utf-8' ? decodeWorkers(undefined, false) : 0, 'checked on the run\'s thread by default (STREAMLAKE_WORKERS aside)');
    const pooled = await pushes(config, 'only', false, 1);
    assert.equal(pooled.workers, encoding === 'utf-8' ? 1 : 0, `${encoding}: workers`);
    assert.deepEqual(pooled.pushed, eager.pushed, `${encoding}: lazy batches checked by a worker`);
    assert.equal(pooled.lazy.length, late.lazy.length);
    pooled.lazy.forEach((batch, b) => assert.deepEqual(batch.bytes.buffers.map((x) => x !== undefined), late.lazy[b]!.bytes.buffers.map((x) => x !== undefined), `${encoding}: batch ${b}: the same records copied`));
    assert.equal(eager.lazy.length + some.lazy.length, 0, 'lazy batches only when every consumer copies bytes');
    assert.ok(late.lazy.length >= 5, `lazy batches: ${late.lazy.length}`);
    assert.deepEqual(some.pushed, eager.pushed, `${encoding}: with bytes gathered`);
    assert.deepEqual(late.pushed, eager.pushed, `${encoding}: rows read after the run`);
    assert.deepEqual(now.pushed, eager.pushed, `${encoding}: rows read when pushed`);
    assert.ok(eager.pushed.some((p) => p.port === 'error'), 'the files have dead letters');
    // Every row a lazy batch has bytes for is written by the sink's encoder as exactly those bytes.
    let copied = 0;
    for (const batch of late.lazy) {
      for (let i = 0; i < batch.count; i++) {
        const buf = batch.bytes.buffers[i];
        if (buf === undefined) continue;
        const out = new GrowingOutput();
        const end = writer.write(batch.rows[i]!, out, 0);
        assert.ok(Buffer.from(buf.subarray(batch.bytes.starts[i], batch.bytes.ends[i])).equals(out.buf.subarray(0, end)), `row ${i}`);
        copied++;
      }
    }
    assert.ok(copied > 3000, `rows with bytes: ${copied}`);
  }
});

test('a lazy batch: rowAt reads decoded-now rows without decoding the rest; a spread copies decoded rows', async () => {
  const path = join(dir, 'mixed.jsonl');
  const lines = ['{"a":1,"b":"x"}', '{"a":2,"b":"y"}', '{"a":3,"b":"q\\"q"}', '{"a":4,"b":"z"}'];
  writeFileSync(path, lines.join('\n') + '\n');
  const source = new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime(5), bytesReaders: 'only' });
  const batches: Batch[] = [];
  await source.run(async (b) => { batches.push(b); }, new AbortController().signal);
  assert.equal(batches.length, 1);
  const batch = batches[0]!;
  assert.ok(batch instanceof LazyBatch);
  assert.equal(batch.count, 4);
  // Line 1 taught the shape (decoded), line 3 has an escape (decoded): those two have rows already.
  assert.deepEqual(batch.rowAt(2), { a: 3, b: 'q"q' });
  assert.deepEqual(batch.bytes.buffers.map((b) => b !== undefined), [false, true, false, true]);
  assert.equal(batch.materialized, false);
  const copy: Batch = { ...batch };
  assert.equal(batch.materialized, true);
  assert.deepEqual(copy.rows, lines.map((l) => JSON.parse(l) as Row));
  assert.equal(copy.bytes?.rows, copy.rows, 'bytes stay with the rows they describe');
  assert.equal(batch.rowAt(2), batch.rows[2], 'the very row object');
});
