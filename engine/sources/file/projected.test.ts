import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ManualTime } from '../../runtime/clock.ts';
import type { DeadLetter, Row } from '../../runtime/types.ts';
import { FileSource } from './source.ts';
import { ProjectedJsonDecoder } from './projected.ts';
import { reviveTimestamps } from './values.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-projected-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the JSON.parse path gives for these fields: the reference the decoder must match exactly. */
function reference(text: string, fields: readonly string[]): Row | 'invalid' | 'not an object' {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const row: Row = {};
  for (const f of fields) if (Object.hasOwn(value, f)) row[f] = (value as Row)[f];
  return reviveTimestamps(row);
}

function check(decoder: ProjectedJsonDecoder, text: string, fields: readonly string[]): 'fast' | 'fallback' {
  // Bytes around the line that would complete it, to catch any read past either end.
  const buf = Buffer.from(`{"a":${text}"region":"x"}:1}`);
  const got = decoder.decode(buf, 5, 5 + Buffer.byteLength(text));
  const want = reference(text, fields);
  if (got === undefined) return 'fallback';
  assert.ok(typeof want === 'object', `accepted ${JSON.stringify(text)}, which JSON.parse gives as ${want}`);
  assert.deepEqual(got, want, `decoded ${JSON.stringify(text)}`);
  for (const [k, v] of Object.entries(want)) assert.ok(Object.is(got[k], v) || v instanceof Date || typeof v === 'object', `${k} of ${text}: ${String(got[k])} vs ${String(v)}`);
  return 'fast';
}

test('the projected decoder gives exactly the JSON.parse values of the wanted fields, or defers to it', () => {
  const fields = ['a', 'at', 'region', 'n', 'nested', 'flag', 'é'];
  const decoder = new ProjectedJsonDecoder(fields);
  const fast = [
    '{"a":1,"region":"eu","at":"2026-01-01T00:00:01.500Z","x":"skip me","n":-0.5}',
    ' { "a" : 0 , "b" : [1, {"c": "\\"q\\u00e9\\n"}], "region" : "north_america" } ',
    '{"n":12345678901234567,"a":0.1,"x":1e5,"y":-0,"z":true,"w":null,"v":false}',
    '{"a":-0}',
    '{"a":1.7976931348623157e308,"n":5e-324,"region":"eu"}',
    '{"a":123456789.123456789}',
    '{"at":"2026-02-31T10:00:00Z","n":0.30000000000000004}',
    '{"at":"2026-01-01T00:00:00+02:00"}',
    '{"at":"2026-13-01T00:00:00.000Z"}',
    '{"at":"9999-12-31T23:59:59.999Z","region":"a long text that is not a timestamp at all"}',
    '{"nested":{"x":[1,2,{"y":"z"}]},"flag":true}',
    '{"flag":null,"a":"x","a":"last wins"}',
    '{"é":"ü","region":"日本"}',
    '{}',
    '{"other":1}',
    '{"x":-0.5e+10,"y":0,"z":10E-2,"w":-0,"a":1}',
  ];
  // Cached values of every length, each seen twice (the second time from the cache), and near misses.
  for (const v of ['', 'a', 'b', 'ab', 'ac', 'abc', 'abcdefg', 'abcdefgh', 'abcdefgi', 'abcdefghijklmnop', 'abcdefghijklmnoq', 'bbcdefghijklmnop', 'ab', '', 'a']) {
    fast.push(`{"region":"${v}"}`, `{"region":"${v}","n":1}`);
  }
  for (const line of fast) assert.equal(check(decoder, line, fields), 'fast', line);
  const deferred = [
    '{"a":1,', '[1,2]', 'null', '"text"', '42', 'N/A', '', '   ', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":+1}', '{"a":1e}',
    '{"a":"\\u12"}', '{"b":"\\x"}', '{"b":"tab\there"}', '{"a":"esc\\"aped"}', '{"re\\u0067ion":"eu"}', '{"a":1}x', '{"a":1}}',
    '{"a":tru}', '{"a":nul}', '{"x":01}', '{"x":1.}', '{"x":-}', '{"x":1e+}', '{"x":.5}', '{"x":-01.5}', '{"x":1.5e}', '{"b":[1,]}', '{"b":{"c":1,}}', '{"b":[1 2]}', '{a:1}', '{"a" 1}', '{"a":1 "b":2}',
    '{"b":' + '['.repeat(100) + ']'.repeat(100) + '}',
  ];
  for (const line of deferred) assert.equal(check(decoder, line, fields), 'fallback', line);
});

test('differential: random objects and random corruptions never disagree with JSON.parse', () => {
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['0', '-1', '3.25', '1e3', '-0.001', '123456789012345678', '"eu"', '"2026-01-01T00:00:00.000Z"', '"a\\"b"', 'true', 'false', 'null', '[1,"x",{}]', '{"k":[]}', '"ü"', '"\\u00e9"'];
  const keys = ['a', 'at', 'region', 'n', 'other', 'x'];
  const fields = ['a', 'at', 'region', 'n'];
  const decoder = new ProjectedJsonDecoder(fields);
  const junk = ['', ' ', ',', ':', '"', '\\', '{', '}', '[', ']', 'e', '.', '-', '0', '\t', '\u0001', 'x'];
  let fastCount = 0;
  for (let i = 0; i < 20_000; i++) {
    const parts = Array.from({ length: rand(6) }, () => `"${keys[rand(keys.length)]}":${pieces[rand(pieces.length)]}`);
    let line = `{${parts.join(',')}}`;
    for (let m = rand(3); m > 0; m--) {
      const at = rand(line.length + 1);
      line = line.slice(0, at) + (junk[rand(junk.length)] as string) + line.slice(at + rand(2));
    }
    if (check(decoder, line, fields) === 'fast') fastCount++;
  }
  assert.ok(fastCount > 5_000, `the fast path took only ${fastCount} lines`);
});

test('differential: keys of every length, in changing orders and spacing, with few and many wanted fields', () => {
  let seed = 11;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Key runs (quote, key, quote, colon) of 4 to 23 bytes: compared as 4-byte words below 8, 8-byte above.
  const keys = Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(i + 1));
  keys.push('é', 'ab', 'aé');
  const values = ['1', '-2.5', '"eu"', '"2026-01-01T00:00:00.000Z"', 'null', 'true', '{"x":[1]}', '"q\\"x"'];
  for (const fields of [keys.slice(0, 3), keys.slice(0, 12), ['a', 'é', 'ab', 'aé', 'aaaaaaaa', 'hhhhhhhh']]) {
    const decoder = new ProjectedJsonDecoder(fields);
    let fast = 0;
    let order = keys.slice();
    for (let i = 0; i < 5000; i++) {
      // Mostly the previous line's layout, as in real files; sometimes a new order, a missing key or spacing.
      if (rand(10) === 0) order = keys.map((k) => [rand(1000), k] as const).sort((x, y) => x[0] - y[0]).map(([, k]) => k).slice(0, 3 + rand(order.length));
      const spaced = rand(8) === 0;
      const line = `{${order.map((k) => `"${k}"${spaced ? ' : ' : ':'}${values[rand(values.length)]}`).join(',')}}`;
      if (check(decoder, line, fields) === 'fast') fast++;
    }
    assert.ok(fast > 4000, `the fast path took only ${fast} lines for ${fields.length} fields`);
  }
});

test('source.file with a projection: rows carry just the read fields; bad lines, line numbers and restores unchanged', async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `ord-${i}`, region: ['eu', 'apac'][i % 2], amount: i / 4, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
  lines[10] = '{"id":"broken",';
  lines[20] = '{"region":"esc\\u0061ped","amount":1,"at":"2026-01-01T00:00:00Z","extra":[1,2]}';
  lines[30] = '';
  const path = join(dir, 'p.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  const fields = ['amount', 'at', 'region'];
  const read = async (source: FileSource, stopAfter?: number): Promise<{ rows: Row[]; dead: DeadLetter[] }> => {
    const rows: Row[] = [];
    const dead: DeadLetter[] = [];
    const controller = new AbortController();
    let batches = 0;
    await source.run(async (batch, port) => {
      if (port === 'error') dead.push(...(batch.rows as DeadLetter[]));
      else rows.push(...batch.rows);
      if (++batches === stopAfter) controller.abort();
    }, controller.signal);
    return { rows, dead };
  };
  const make = (): FileSource => new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime(), fields });
  const full = await read(make());
  assert.equal(full.rows.length, 2998);
  assert.deepEqual(full.rows[0], { region: 'eu', amount: 0, at: new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual(full.rows[19], { region: 'escaped', amount: 1, at: new Date('2026-01-01T00:00:00Z') }, 'a line the fast path defers is still projected the same way');
  assert.deepEqual(full.dead.map((d) => (d.source as { line: number }).line), [11]);
  assert.match(full.dead[0]?.reason ?? '', /^line 11: invalid JSON: /);
  const unprojected = await read(new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime() }));
  assert.deepEqual(unprojected.rows[1], { id: 'ord-1', region: 'apac', amount: 0.25, at: new Date('2026-01-01T00:00:01Z') }, 'without fields rows stay whole');
  assert.deepEqual(full.rows.filter((r) => 'id' in r), [], 'no unread field is materialised');
  const first = make();
  const part = await read(first, 2);
  const resumed = make();
  resumed.restore(JSON.parse(JSON.stringify(first.positions())) as Record<string, unknown>);
  const rest = await read(resumed);
  assert.deepEqual([...part.rows, ...rest.rows], full.rows);
});

test('lines cut by the 1 MiB read chunks: same rows, dead letters and restores as whole-line decoding', async () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const lines = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ i, region: ['eu', 'apac', 'ü'][i % 3], amount: rand(100_000) / 100, pad: 'x'.repeat(rand(120)), at: new Date(Date.UTC(2026, 0, 1) + i * 997).toISOString() }));
  // Break the line that straddles the first chunk boundary, and end without a newline.
  let offset = 0;
  let straddling = -1;
  for (let i = 0; i < lines.length && straddling < 0; i++) {
    const next = offset + Buffer.byteLength(lines[i] as string) + 1;
    if (next > 1 << 20) straddling = i;
    offset = next;
  }
  lines[straddling] = `{"i":${straddling},"region":"eu",`;
  const path = join(dir, 'chunks.jsonl');
  writeFileSync(path, lines.join('\n'));
  const fields = ['amount', 'at', 'region'];
  const collect = async (source: FileSource, stopAfter?: number): Promise<{ rows: Row[]; dead: DeadLetter[] }> => {
    const rows: Row[] = [];
    const dead: DeadLetter[] = [];
    const controller = new AbortController();
    let batches = 0;
    await source.run(async (batch, port) => {
      if (port === 'error') dead.push(...(batch.rows as DeadLetter[]));
      else rows.push(...batch.rows);
      if (++batches === stopAfter) controller.abort();
    }, controller.signal);
    return { rows, dead };
  };
  const expected = lines.flatMap((l) => {
    const r = reference(l, fields);
    return typeof r === 'object' ? [r] : [];
  });
  for (const projected of [true, false]) {
    const make = (): FileSource => new FileSource({ path, format: 'jsonl' }, { nodeId: 'src', clock: new ManualTime(), ...(projected ? { fields } : {}) });
    const all = await collect(make());
    assert.equal(all.rows.length, lines.length - 1);
    if (projected) assert.deepEqual(all.rows, expected);
    else assert.deepEqual(all.rows.map((r) => r.i), lines.map((_, i) => i).filter((i) => i !== straddling));
    assert.deepEqual(all.dead.map((d) => (d.source as { line: number }).line), [straddling + 1]);
    const first = make();
    const part = await collect(first, 12);
    const positions = JSON.parse(JSON.stringify(first.positions())) as { offset: number; line: number };
    assert.ok(positions.offset > 1 << 20, 'the restore point lies after the first chunk boundary');
    const resumed = make();
    resumed.restore(positions);
    const rest = await collect(resumed);
    assert.deepEqual([...part.rows, ...rest.rows], all.rows);
    assert.deepEqual([...part.dead, ...rest.dead].map((d) => d.reason), all.dead.map((d) => d.reason));
  }
});

test('skipped strings: an escape, a control byte or a multi-byte character at every position of a word', () => {
  const fields = ['a'];
  const decoder = new ProjectedJsonDecoder(fields);
  let fast = 0;
  for (let length = 0; length <= 12; length++) {
    for (let at = 0; at <= length; at++) {
      for (const odd of ['', '\\"', '\\\\', '\\u0041', '\t', '\u0001', 'é', '日', '😀', '"', '\\']) {
        const text = 'x'.repeat(at) + odd + 'y'.repeat(length - at);
        // The skipped string at each offset from the line's start, so its words fall at every alignment.
        for (let pad = 0; pad < 4; pad++) if (check(decoder, `{"${'k'.repeat(pad + 1)}":"${text}","a":${at}}`, fields) === 'fast') fast++;
      }
    }
  }
  assert.ok(fast > 2_000, `the fast path took only ${fast} lines`);
});

test('epoch fields: ISO timestamps the decoder reads itself come as epoch ms, every other value as without the option', () => {
  const fields = ['ts', 'at', 'region'];
  const plain = new ProjectedJsonDecoder(fields);
  const epoch = new ProjectedJsonDecoder(fields, { epoch: ['ts'] });
  const lines = [
    '{"ts":"2026-03-01T10:11:12.345Z","at":"2026-03-01T10:11:12.345Z","region":"eu"}',
    '{"ts":"2026-03-01T10:11:12Z","at":"2026-03-01T10:11:12Z","region":"eu"}',
    '{"ts":"2026-03-01T10:11:12.345+00:00","at":"2026-03-01T10:11:12.345Z","region":"us"}',
    '{"ts":1772359872345,"region":"us"}',
    '{"ts":"soon","region":"apac"}',
    '{"ts":null,"region":"apac"}',
  ];
  for (const line of lines) {
    const buf = Buffer.from(line);
    const want = plain.decode(buf, 0, buf.length) as Row;
    const got = epoch.decode(buf, 0, buf.length) as Row;
    assert.ok(want && got, line);
    assert.deepEqual(Object.keys(got), Object.keys(want), line);
    for (const key of Object.keys(want)) {
      const fast = key === 'ts' && want.ts instanceof Date && /^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"$/.test(JSON.stringify(JSON.parse(line).ts));
      if (fast) assert.equal(got.ts, (want.ts as Date).getTime(), line);
      else assert.deepEqual(got[key], want[key], `${key} of ${line}`);
    }
  }
});
