import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FileSourceConfig } from '../../format/pipeline.ts';
import { ManualTime } from '../../runtime/clock.ts';
import type { DeadLetter, Row } from '../../runtime/types.ts';
import { csvValue, FileSource, parseTimestamp } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function read(config: FileSourceConfig, options: { stopAfterBatches?: number; source?: FileSource } = {}): Promise<{ rows: Row[]; dead: DeadLetter[]; source: FileSource; batches: number }> {
  const source = options.source ?? new FileSource(config, { nodeId: 'src', clock: new ManualTime(5) });
  const rows: Row[] = [];
  const dead: DeadLetter[] = [];
  const controller = new AbortController();
  let batches = 0;
  await source.run(async (batch, port) => {
    assert.equal(batch.partition, 'src/0');
    assert.ok(batch.rows.length <= 1024);
    if (port === 'error') dead.push(...(batch.rows as DeadLetter[]));
    else rows.push(...batch.rows);
    if (++batches === options.stopAfterBatches) controller.abort();
  }, controller.signal);
  return { rows, dead, source, batches };
}

test('JSON Lines: objects as-is, ISO timestamps as Dates, CRLF and blank lines tolerated, no final newline', async () => {
  const path = file('a.jsonl', '{"id":1,"name":"a","at":"2026-01-01T00:00:01.500Z","nested":{"x":[1,2]}}\r\n\n{"id":2,"name":"b\\"q","at":"2026-01-01T00:00:02Z","ok":true,"none":null}');
  const { rows, dead } = await read({ path, format: 'jsonl' });
  assert.deepEqual(dead, []);
  assert.deepEqual(rows, [
    { id: 1, name: 'a', at: new Date('2026-01-01T00:00:01.500Z'), nested: { x: [1, 2] } },
    { id: 2, name: 'b"q', at: new Date('2026-01-01T00:00:02Z'), ok: true, none: null },
  ]);
});

test('JSON Lines: bad lines go to the error port with their line number and reason', async () => {
  const path = file('bad.jsonl', ['{"id":1}', '{"id":2,', '[1,2]', 'N/A', '{"id":5}'].join('\n') + '\n');
  const { rows, dead } = await read({ path, format: 'jsonl' });
  assert.deepEqual(rows, [{ id: 1 }, { id: 5 }]);
  assert.deepEqual(dead.map((d) => (d.source as { line: number }).line), [2, 3, 4]);
  assert.match(dead[0]?.reason ?? '', /^line 2: invalid JSON: /);
  assert.match(dead[1]?.reason ?? '', /^line 3: expected a JSON object, got an array/);
  assert.equal(dead[2]?.payload, 'N/A');
  for (const d of dead) {
    assert.equal(d.node, 'src');
    assert.equal(d.port, 'error');
    assert.deepEqual(d.at, new Date(5));
  }
});

test('CSV: header, RFC 4180 quoting (delimiters, doubled quotes, line breaks), value detection', async () => {
  const text = [
    'id,name,amount,active,at,zip,note',
    '1,plain,12.5,true,2026-01-01T00:00:00Z,007,',
    '2,"with, comma",-3,false,2026-01-01T00:01:00.250Z,12345,""',
    '3,"say ""hi""",1e3,TRUE,not a time,0,"two',
    'lines"',
  ].join('\r\n');
  const { rows, dead } = await read({ path: file('a.csv', text), format: 'csv' });
  assert.deepEqual(dead, []);
  assert.deepEqual(rows, [
    { id: 1, name: 'plain', amount: 12.5, active: true, at: new Date('2026-01-01T00:00:00Z'), zip: '007', note: null },
    { id: 2, name: 'with, comma', amount: -3, active: false, at: new Date('2026-01-01T00:01:00.250Z'), zip: 12345, note: '' },
    { id: 3, name: 'say "hi"', amount: 1000, active: 'TRUE', at: 'not a time', zip: 0, note: 'two\r\nlines' },
  ]);
});

test('CSV: another delimiter, no header with declared columns, and bad records with line numbers', async () => {
  const text = 'a;b\n1;2;3\n"open;4\n5;"x"y\n6;7\n';
  const { rows, dead } = await read({ path: file('b.csv', text), format: 'csv', header: false, columns: ['a', 'b'], delimiter: ';' });
  // Without a header the first line is data.
  assert.deepEqual(rows, [{ a: 'a', b: 'b' }, { a: 6, b: 7 }]);
  assert.equal(dead.length, 2);
  assert.match(dead[0]?.reason ?? '', /^line 2: expected 2 fields, got 3/);
  // The quote opened on line 3 closes on line 4, so lines 3–4 are one record, broken after the quote.
  assert.match(dead[1]?.reason ?? '', /^line 3: unexpected character after a closing quote/);
  const inside = await read({ path: file('e.csv', 'a,b\nx"y,1\n2,3\n'), format: 'csv' });
  assert.deepEqual(inside.rows, [{ a: 2, b: 3 }], 'a stray quote inside a field spoils only its own line');
  assert.match(inside.dead[0]?.reason ?? '', /^line 2: a quote inside an unquoted field/);
  const stray = await read({ path: file('d.csv', 'a,b\n"x"y,1\n2,3\n'), format: 'csv' });
  assert.deepEqual(stray.rows, [{ a: 2, b: 3 }]);
  assert.match(stray.dead[0]?.reason ?? '', /^line 2: unexpected character after a closing quote/);
  const again = await read({ path: file('c.csv', 'a;b\n6;7\n"open'), format: 'csv', delimiter: ';' });
  assert.deepEqual(again.rows, [{ a: 6, b: 7 }]);
  assert.match(again.dead[0]?.reason ?? '', /^line 3: unterminated quoted field/);
});

test('restoring from positions resumes exactly after the last batch handed over (JSONL and CSV)', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ n: i, s: `é${i}` }));
  lines[2500] = '{broken';
  const path = file('big.jsonl', lines.join('\n') + '\n');
  const full = await read({ path, format: 'jsonl' });
  assert.equal(full.rows.length, 4999);
  const first = await read({ path, format: 'jsonl' }, { stopAfterBatches: 2 });
  const positions = JSON.parse(JSON.stringify(first.source.positions())) as Record<string, unknown>;
  assert.equal(positions.line, 2048);
  const resumed = new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime() });
  resumed.restore(positions);
  const rest = await read({ path, format: 'jsonl' }, { source: resumed });
  assert.deepEqual([...first.rows, ...rest.rows], full.rows);
  assert.equal((rest.dead[0]?.source as { line: number }).line, 2501);

  const csv = file('big.csv', 'n,s\n' + Array.from({ length: 3000 }, (_, i) => `${i},"x\n${i}"`).join('\n'));
  const csvFull = await read({ path: csv, format: 'csv' });
  assert.equal(csvFull.rows.length, 3000);
  const csvFirst = await read({ path: csv, format: 'csv' }, { stopAfterBatches: 1 });
  const csvPositions = JSON.parse(JSON.stringify(csvFirst.source.positions())) as Record<string, unknown>;
  assert.deepEqual(csvPositions.columns, ['n', 's']);
  const csvResumed = new FileSource({ path: csv, format: 'csv' }, { nodeId: 'src', clock: new ManualTime() });
  csvResumed.restore(csvPositions);
  const csvRest = await read({ path: csv, format: 'csv' }, { source: csvResumed });
  assert.deepEqual([...csvFirst.rows, ...csvRest.rows], csvFull.rows);
});

test('a missing file is a clear ENG_SOURCE_FILE error', async () => {
  await assert.rejects(read({ path: join(dir, 'nope.jsonl'), format: 'jsonl' }), (e: unknown) => (e as { code?: string }).code === 'ENG_SOURCE_FILE' && /nope\.jsonl/.test((e as Error).message));
});

test('value helpers', () => {
  assert.deepEqual(parseTimestamp('2026-02-03T04:05:06.789Z'), new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 789)));
  assert.deepEqual(parseTimestamp('2026-02-03T04:05:06+02:00'), new Date(Date.UTC(2026, 1, 3, 2, 5, 6)));
  assert.equal(parseTimestamp('2026-02-03'), undefined);
  assert.equal(parseTimestamp('2026-13-03T04:05:06.789Z'), undefined);
  assert.equal(csvValue('', false), null);
  assert.equal(csvValue('-0.5', false), -0.5);
  assert.equal(csvValue('01', false), '01');
  assert.equal(csvValue('12', true), 12);
});

test('JSON Lines across 1 MiB chunk boundaries: CRLF split between chunks, UTF-8 split mid-character, lines longer than a chunk, bad lines after a boundary', async () => {
  const chunk = 1 << 20;
  const lines: string[] = [];
  let size = 0;
  const add = (line: string, ending = '\n'): void => {
    lines.push(line + ending);
    size += Buffer.byteLength(line + ending);
  };
  const filler = (i: number): string => JSON.stringify({ i, region: 'eu', amount: i / 2, at: '2026-01-01T00:00:00.000Z', pad: 'p'.repeat(90) });
  /** Pads with filler lines so that the next line starts `before` bytes ahead of the next chunk boundary. */
  const padTo = (before: number): void => {
    const boundary = (Math.floor(size / chunk) + 1) * chunk;
    while (boundary - size - before > 400) add(filler(lines.length));
    // One JSON line of exactly the remaining bytes (newline included) fills the rest.
    const shortest = JSON.stringify({ i: lines.length, pad: '' });
    add(`${shortest.slice(0, -3)}"${'x'.repeat(boundary - size - before - shortest.length - 1)}"}`);
  };
  // 1. A CRLF line whose \r is the last byte of a chunk.
  const crlf = JSON.stringify({ i: 'crlf', region: 'eu', amount: 1, at: '2026-01-01T00:00:01.000Z' });
  padTo(crlf.length + 1);
  add(crlf, '\r\n');
  // 2. A wanted value whose 3-byte character is cut after its first byte, then one cut in a skipped field.
  const wide = JSON.stringify({ i: 'utf8', region: '€uro', amount: 2, at: '2026-01-01T00:00:02.000Z' });
  padTo(Buffer.byteLength(wide.slice(0, wide.indexOf('€'))) + 1);
  add(wide);
  const skipped = JSON.stringify({ i: 'utf8-skipped', note: '日本', region: 'asia', amount: 3, at: '2026-01-01T00:00:03.000Z' });
  padTo(Buffer.byteLength(skipped.slice(0, skipped.indexOf('本'))) + 2);
  add(skipped);
  // 3. A line of 2.5 chunks, then a malformed line starting right at a boundary.
  add(JSON.stringify({ i: 'long', region: 'long', amount: 4, at: '2026-01-01T00:00:04.000Z', pad: 'L'.repeat(chunk * 2.5) }));
  padTo(0);
  const badLine = lines.length + 1;
  add('{"i":"bad","region":"eu",');
  add(JSON.stringify({ i: 'last', region: 'eu', amount: 5, at: '2026-01-01T00:00:05.000Z' }), '');
  const bytes = Buffer.from(lines.join(''));
  const path = file('boundaries.jsonl', bytes);
  assert.equal((bytes.indexOf('\r\n') + 1) % chunk, 0, 'the \\r ends a chunk');
  assert.equal((bytes.indexOf('€') + 1) % chunk, 0, '€ is cut after its first byte');
  assert.equal((bytes.indexOf('本') + 2) % chunk, 0, '本 is cut after its second byte');
  assert.equal(bytes.indexOf('{"i":"bad"') % chunk, 0, 'the bad line starts a chunk');
  const expected = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Row];
    } catch {
      return [];
    }
  });
  const fields = ['amount', 'at', 'region'];
  for (const projected of [true, false]) {
    const source = new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime(5), ...(projected ? { fields } : {}) });
    const { rows, dead } = await read({ path, format: 'jsonl' }, { source });
    assert.equal(rows.length, expected.length);
    for (let r = 0; r < rows.length; r++) {
      const want = expected[r] as Row;
      const got = rows[r] as Row;
      if (projected) assert.deepEqual(got, Object.fromEntries(fields.filter((f) => f in want).map((f) => [f, f === 'at' ? new Date(want[f] as string) : want[f]])));
      else assert.equal(got.i, want.i);
    }
    const byId = (id: string): Row | undefined => rows[expected.findIndex((e) => e.i === id)];
    assert.equal(byId('utf8')?.region, '€uro');
    assert.equal(byId('utf8-skipped')?.region, 'asia');
    assert.equal(byId('long')?.region, 'long');
    assert.equal(byId('crlf')?.amount, 1);
    assert.equal(dead.length, 1);
    assert.equal((dead[0]?.source as { line: number }).line, badLine);
    assert.match(dead[0]?.reason ?? '', new RegExp(`^line ${badLine}: invalid JSON: `));
    assert.equal(dead[0]?.payload, '{"i":"bad","region":"eu",');
  }
});

test('a line longer than 16 MiB is an ENG_SOURCE_FILE error naming its line', async () => {
  const path = file('huge.jsonl', `{"a":1}\n{"a":"${'x'.repeat(17 << 20)}"}\n`);
  await assert.rejects(read({ path, format: 'jsonl' }), (e: unknown) => (e as { code?: string }).code === 'ENG_SOURCE_FILE' && /line 2 is longer than 16 MiB/.test((e as Error).message));
});
