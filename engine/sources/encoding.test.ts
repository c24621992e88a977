// Input encodings: strict UTF-8 names the first bad byte, latin1 reads every byte, utf-8-replace keeps
// U+FFFD; through the file source and the Kafka value decoders, on real files and real bytes.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FileSourceConfig } from '../format/pipeline.ts';
import { validatePipeline } from '../format/pipeline.ts';
import { createDecoder, DecodeFailure } from '../kafka/formats.ts';
import { ManualTime } from '../runtime/clock.ts';
import type { DeadLetter, Row } from '../runtime/types.ts';
import { asUtf8, firstInvalidUtf8, isAscii } from './encoding.ts';
import { FileSource } from './file/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-encoding-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function read(config: FileSourceConfig): Promise<{ rows: Row[]; dead: DeadLetter[] }> {
  const source = new FileSource(config, { nodeId: 'src', clock: new ManualTime(5) });
  const rows: Row[] = [];
  const dead: DeadLetter[] = [];
  await source.run(async (batch, port) => {
    if (port === 'error') dead.push(...(batch.rows as DeadLetter[]));
    else rows.push(...batch.rows);
  }, new AbortController().signal);
  return { rows, dead };
}

// "José" in ISO-8859-1: é is the single byte 0xE9, which is not UTF-8.
const first = Buffer.from('{"id":1,"name":"Ana"}\n', 'utf8');
const latin = Buffer.concat([Buffer.from('{"id":2,"name":"Jos', 'latin1'), Buffer.from([0xe9]), Buffer.from('"}\n', 'latin1')]);
const last = Buffer.from('{"id":3,"name":"Zoë"}\n', 'utf8');

test('file source, utf-8 (the default): a line with an invalid byte goes to the error port with its byte offset', async () => {
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, Buffer.concat([first, latin, last]));
  const { rows, dead } = await read({ path, format: 'jsonl' });
  assert.deepEqual(rows, [{ id: 1, name: 'Ana' }, { id: 3, name: 'Zoë' }]);
  assert.equal(dead.length, 1);
  const offset = first.length + latin.indexOf(0xe9);
  assert.match(dead[0]!.reason, new RegExp(`^line 2: invalid UTF-8 at byte offset ${offset} \\(byte ${latin.indexOf(0xe9)} of the line\\)`));
  assert.deepEqual(dead[0]!.source, { path, line: 2 });
});

test('file source, utf-8 over several read chunks: valid chunks are checked whole, a chunk with a bad line line by line', async () => {
  // ~3 MiB: the 1 MiB read chunks of the first MiB are all valid, later ones hold Latin-1 lines at known lines.
  const parts: Buffer[] = [];
  const bad = new Map<number, number>();
  let offset = 0;
  for (let line = 1; offset < 3 << 20; line++) {
    const part = line > 6000 && line % 2500 === 0 ? latin : Buffer.from(`{"id":${line},"name":"Zoë ${'x'.repeat(line % 200)}"}\n`);
    if (part === latin) bad.set(line, offset + latin.indexOf(0xe9));
    parts.push(part);
    offset += part.length;
  }
  const path = join(dir, 'chunks.jsonl');
  writeFileSync(path, Buffer.concat(parts));
  const { rows, dead } = await read({ path, format: 'jsonl' });
  assert.ok(bad.size > 3);
  assert.equal(rows.length, parts.length - bad.size);
  assert.deepEqual(dead.map((d) => (d.source as { line: number }).line), [...bad.keys()]);
  for (const d of dead) {
    const line = (d.source as { line: number }).line;
    assert.match(d.reason, new RegExp(`^line ${line}: invalid UTF-8 at byte offset ${bad.get(line)} \\(byte ${latin.indexOf(0xe9)} of the line\\)`));
  }
  assert.ok(rows.every((r, i) => i === 0 || (r.id as number) > (rows[i - 1]!.id as number)));
});

test('file source, latin1 and utf-8-replace', async () => {
  const path = join(dir, 'latin.csv');
  writeFileSync(path, Buffer.concat([Buffer.from('id,name\n1,Ana\n2,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]));
  assert.deepEqual((await read({ path, format: 'csv', encoding: 'latin1' })).rows, [{ id: 1, name: 'Ana' }, { id: 2, name: 'José' }]);
  assert.deepEqual((await read({ path, format: 'csv', encoding: 'utf-8-replace' })).rows, [{ id: 1, name: 'Ana' }, { id: 2, name: 'Jos\ufffd' }]);
  const strict = await read({ path, format: 'csv' });
  assert.deepEqual(strict.rows, [{ id: 1, name: 'Ana' }]);
  assert.match(strict.dead[0]!.reason, /^line 3: invalid UTF-8 at byte offset 19 \(byte 5 of the line\)/);
  // A bad header cannot be skipped: the next line would become the header.
  const header = join(dir, 'header.csv');
  writeFileSync(header, Buffer.concat([Buffer.from('id,nam'), Buffer.from([0xe9]), Buffer.from('\n1,a\n')]));
  await assert.rejects(() => read({ path: header, format: 'csv' }), /the header line 1: invalid UTF-8 at byte offset 6/);
});

test('kafka values: json, csv and string decode by the encoding', () => {
  const value = Buffer.from([...Buffer.from('{"name":"Jos'), 0xe9, ...Buffer.from('"}')]);
  const strict = createDecoder('json').decode(value);
  assert.ok(strict instanceof DecodeFailure);
  assert.match(strict.reason, /not valid UTF-8: invalid byte at offset 12/);
  assert.deepEqual(createDecoder('json', { encoding: 'latin1' }).decode(value), { name: 'José' });
  assert.deepEqual(createDecoder('json', { encoding: 'utf-8-replace' }).decode(value), { name: 'Jos\ufffd' });
  // Projected JSON (the pipeline reads only some fields) follows the same rule.
  assert.deepEqual(createDecoder('json', { encoding: 'latin1', fields: ['name'] }).decode(value), { name: 'José' });
  assert.ok(createDecoder('json', { fields: ['name'] }).decode(value) instanceof DecodeFailure);
  const csv = Buffer.from([...Buffer.from('7,Jos'), 0xe9]);
  assert.deepEqual(createDecoder('csv', { columns: ['id', 'name'], encoding: 'latin1' }).decode(csv), { id: 7, name: 'José' });
  assert.ok(createDecoder('csv', { columns: ['id', 'name'] }).decode(csv) instanceof DecodeFailure);
  assert.deepEqual(createDecoder('string', { encoding: 'latin1' }).decode(Buffer.from([0xe9])), { value: 'é' });
});

test('firstInvalidUtf8 agrees with Node on random bytes, and names the first bad one', () => {
  const cases = [
    [[0xc0, 0x80], 0], [[0xed, 0xa0, 0x80], 0], [[0xf5, 0x80, 0x80, 0x80], 0], [[0x61, 0xe2, 0x82], 1],
    [[0xf0, 0x9f, 0x98, 0x80, 0xff], 4], [[0x61, 0x62], -1], [[0xe2, 0x82, 0xac], -1], [[0xf4, 0x90, 0x80, 0x80], 0],
  ] as const;
  for (const [bytes, expected] of cases) assert.equal(firstInvalidUtf8(Buffer.from(bytes), 0, bytes.length), expected, Buffer.from(bytes).toString('hex'));
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 5000; i++) {
    // Mostly valid text with an occasional random byte, so both outcomes are common.
    const parts: Buffer[] = [];
    for (let k = 0; k < 8; k++) parts.push(next() < 0.1 ? Buffer.from([Math.floor(next() * 256)]) : Buffer.from(String.fromCodePoint(Math.floor(next() * 0x10ffff) & ~0x800), 'utf8'));
    const buf = Buffer.concat(parts);
    const at = firstInvalidUtf8(buf, 0, buf.length);
    assert.equal(at === -1, isUtf8(buf), buf.toString('hex'));
    if (at >= 0) {
      assert.ok(isUtf8(buf.subarray(0, at)), `the bytes before ${at} are valid: ${buf.toString('hex')}`);
    }
  }
});

test('the encoding setting is validated', () => {
  const doc = {
    format: 'streamlake.pipeline', version: 1, name: 'e',
    nodes: [{ id: 'f', type: 'source.file', config: { path: 'x.jsonl', format: 'jsonl', encoding: 'cp1252' } }, { id: 'o', type: 'sink.preview', config: {} }],
    edges: [{ from: 'f', to: 'o' }],
  };
  const result = validatePipeline(doc);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problems[0]!.message, /"encoding" must be one of utf-8, latin1, utf-8-replace/);
});

test('isAscii (the allocation-free first look of strict utf-8) agrees with a byte-by-byte check at every alignment', () => {
  // High bytes at every position of a 40-byte window, ranges at every start and end: word-aligned or
  // not, in a Buffer that starts at an odd offset of its memory (as a record in a fetched buffer does).
  const memory = Buffer.alloc(64, 0x61);
  const buf = memory.subarray(3, 51);
  const reference = (b: Buffer, start: number, end: number): boolean => b.subarray(start, end).every((byte) => byte < 0x80);
  for (let at = -1; at < buf.length; at++) {
    buf.fill(0x61);
    if (at >= 0) buf[at] = at % 2 === 0 ? 0x80 : 0xff;
    for (let start = 0; start <= buf.length; start++) {
      for (let end = start; end <= buf.length; end++) {
        assert.equal(isAscii(buf, start, end), reference(buf, start, end), `high byte at ${at}, range ${start}-${end}`);
      }
    }
  }
  // Strict utf-8 still sends multi-byte text through isUtf8 and names the first bad byte.
  const text = Buffer.from('{"name":"Zoë"}', 'utf8');
  assert.equal(isUtf8(text), true);
  assert.deepEqual(asUtf8(text, 0, text.length), { ok: true, buf: text, start: 0, end: text.length });
  const bad = Buffer.concat([Buffer.from('abcdefgh'), Buffer.from([0xe9]), Buffer.from('ijkl')]);
  assert.deepEqual(asUtf8(bad, 0, bad.length), { ok: false, invalidAt: 8 });
  assert.deepEqual(asUtf8(bad, 0, 8), { ok: true, buf: bad, start: 0, end: 8 });
});

test('strict utf-8 makes no Buffer view for an ASCII record (one per record cost ~0.1 µs and a quarter of the scavenges at Kafka rates)', () => {
  const records = Buffer.from(Array.from({ length: 100 }, (_, i) => `{"id":${i},"region":"europe","amount":12.5}`).join('\n'));
  const subarray = Buffer.prototype.subarray;
  let views = 0;
  Buffer.prototype.subarray = function counted(this: Buffer, start?: number, end?: number): Buffer {
    views++;
    return subarray.call(this, start, end);
  };
  try {
    let start = 0;
    for (let end = records.indexOf(0x0a); start < records.length; end = records.indexOf(0x0a, start)) {
      const stop = end < 0 ? records.length : end;
      assert.equal(asUtf8(records, start, stop).ok, true);
      start = stop + 1;
    }
    assert.equal(views, 0);
    assert.equal(asUtf8(Buffer.from('Zoë'), 0, 4).ok, true);
    assert.equal(views, 1, 'text with multi-byte characters still goes through isUtf8');
  } finally {
    Buffer.prototype.subarray = subarray;
  }
});
