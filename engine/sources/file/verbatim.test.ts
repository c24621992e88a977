// A record the decoder calls verbatim may be sent by sink.kafka as it is instead of its row's JSON
// (runtime/types.ts Batch.bytes). So for every record it accepts as verbatim, its bytes must be exactly
// what the sink's encoder (JsonRowWriter, JSON.stringify's text) writes for the decoded row. Checked over
// random records built to hit every way a record can differ from that text (whitespace, escapes, number
// spellings, timestamp forms, nesting, duplicate or reordered keys, invalid UTF-8), and over records that
// are JSON.stringify's own output, which must nearly all be verbatim (else the optimisation is dead).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonRowWriter } from '../../kafka/sink/json-bytes.ts';
import type { Row } from '../../runtime/types.ts';
import { decodeJsonRecord, JsonLinesDecoder, JsonRejection, RowBytesBuilder } from './json-record.ts';
import { randomInts } from '../../testing/random.ts';
import { GrowingOutput } from '../../kafka/sink/testing.ts';


/** What the sink writes for a row. */
function encoded(writer: JsonRowWriter, row: Row): Buffer {
  const out = new GrowingOutput();
  const end = writer.write(row, out, 0);
  return Buffer.from(out.buf.subarray(0, end));
}

/** Value spellings: canonical ones, and ones that decode to the same value but are written otherwise. */
const values = [
  // numbers
  '0', '-0', '7', '-12', '12.99', '38.97', '0.5', '-0.25', '1.10', '1.0', '0.0', '-0.0', '100', '1e3', '1E3', '1e-7', '1.5e+300', '2e21',
  '123456789012345', '1234567890123456', '12345678901234567', '9007199254740993', '0.1', '0.000001', '0.0000001', '0.00000123', '3.14159265358979',
  '2147483647', '2147483648', '-2147483649', '99999999999.99', '5e-324', '1e400',
  // strings
  '"eu"', '"europe"', '""', '"with space"', '"ü"', '"日本"', '"\u2028"', '"😀"', '"a/b"', '"a\\/b"', '"a\\"b"', '"tab\\tx"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\u0041"',
  `"ord-${'x'.repeat(30)}"`, `"${'é'.repeat(70)}"`, `"${'y'.repeat(90)}"`,
  // timestamps: the encoder's form, other forms of the same instant, impossible days, early years
  '"2026-01-01T00:00:00.000Z"', '"2026-12-31T23:59:59.999Z"', '"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00.1Z"', '"2026-01-01T00:00:00.123456Z"',
  '"2026-01-01T01:00:00.000+01:00"', '"2026-01-01T00:00:00.000+00:00"', '"2026-01-01T00:00:00-0500"', '"2026-01-01T00:00Z"', '"2024-02-29T12:00:00.000Z"',
  '"2023-02-29T12:00:00.000Z"', '"2026-04-31T00:00:00.000Z"', '"0050-06-01T00:00:00.000Z"', '"0000-01-01T00:00:00.000Z"', '"1969-12-31T23:59:59.999Z"', '"9999-12-31T23:59:59.999Z"',
  '"2026-01-01 00:00:00.000Z"', '"2026-13-01T00:00:00.000Z"',
  // literals and nesting
  'true', 'false', 'null', '[]', '{}', '[1,"x",null]', '[ 1 ]', '{"a":1}', '{"a" :1}', '{"b":1,"a":2}', '{"2":1,"1":2}', '{"a":1,"a":2}', '{"a":"2026-01-01T00:00:00.000Z"}',
  '[1.0]', '[-0]', '{"x":[{"y":"\\u00e9"}]}', '{"x":[{"y":"é"}]}',
];
/** Values as JSON.stringify writes them, which most records of a file hold. */
const plain = ['0', '7', '-12', '12.99', '38.97', '0.5', '"eu"', '"europe"', '"2026-01-01T00:00:00.000Z"', '"2026-03-04T05:06:07.089Z"', 'true', 'null', '"ü"', '"cust-000123"'];
const keySets = [
  ['order_id', 'customer_id', 'product', 'category', 'region', 'quantity', 'unit_price', 'amount', 'event_time'],
  ['a', 'b'],
  ['é', '日本', 'a b', 'k/x'],
  ['x'],
];
/** Whitespace JSON allows between tokens (and what the sink never writes). */
const spaces = [' ', '\t', '  ', '\r\n'];

test('a record is verbatim only when its bytes are what the sink writes for its row', () => {
  const rand = randomInts(11);
  const writer = new JsonRowWriter();
  const decoder = new JsonLinesDecoder(undefined, { verbatim: true });
  // A second decoder that checks lines without decoding them (scan), decoding only what it refuses, as a
  // lazy file source does (lazy-rows.ts): whatever it accepts must be JSON.parse's object, written by the
  // sink exactly as these bytes.
  const scanner = new JsonLinesDecoder(undefined, { verbatim: true });
  let scanned = 0;
  let verbatim = 0;
  let other = 0;
  let rejected = 0;
  const differs = new Set<string>();
  let keys = keySets[0]!;
  for (let i = 0; i < 60_000; i++) {
    // A few long runs per shape, as files have (a decoder learns at most 8 shapes, then parses the rest).
    if (i % 10_000 === 9_999) keys = keySets[rand(keySets.length)]!;
    let lineKeys = keys;
    const r = rand(200);
    if (r === 0) lineKeys = [...keys].reverse();
    else if (r === 1) lineKeys = [...keys, keys[0]!];
    else if (r === 2) lineKeys = keys.slice(0, rand(keys.length + 1));
    // Mostly canonical values (as files written by JSON.stringify are), often one that is not.
    const parts = lineKeys.map((k) => `${JSON.stringify(k)}:${rand(12) === 0 ? values[rand(values.length)] : plain[rand(plain.length)]}`);
    let line = `{${parts.join(',')}}`;
    if (rand(40) === 0) {
      // Whitespace somewhere a JSON parser skips it.
      const tokens = [...line.matchAll(/[{}:,[\]]/g)].map((m) => m.index);
      const at = (tokens[rand(tokens.length)] ?? 0) + (rand(2) === 0 ? 0 : 1);
      line = line.slice(0, at) + spaces[rand(spaces.length)]! + line.slice(at);
    }
    let buf = Buffer.from(`xx${line}yy`);
    if (rand(100) === 0) {
      // A byte that is not UTF-8 inside a string (what `utf-8-replace` lets through to the decoder).
      const quote = buf.indexOf('"', 2 + 1 + rand(line.length - 2));
      if (quote > 0 && quote < buf.length - 3) buf = Buffer.concat([buf.subarray(0, quote + 1), Buffer.from([0xff]), buf.subarray(quote + 1)]);
    }
    const start = 2;
    const end = buf.length - 2;
    if (scanner.scan(buf, start, end)) {
      scanned++;
      const parsed = decodeJsonRecord(buf, start, end, undefined, undefined);
      assert.ok(parsed !== undefined && !(parsed instanceof JsonRejection), `scan accepted what JSON.parse refuses: ${buf.subarray(start, end).toString()}`);
      assert.ok(buf.subarray(start, end).equals(encoded(writer, parsed)), `scan accepted a line the sink writes otherwise:\n  read  ${buf.subarray(start, end).toString()}\n  write ${encoded(writer, parsed).toString()}`);
    } else {
      scanner.decode(buf, start, end);
    }
    const row = decoder.decode(buf, start, end);
    if (row === undefined || row instanceof JsonRejection) { rejected++; continue; }
    const bytes = buf.subarray(start, end);
    const want = encoded(writer, row);
    if (decoder.verbatim) {
      assert.ok(bytes.equals(want), `verbatim but the sink writes otherwise:\n  read  ${bytes.toString()}\n  write ${want.toString()}`);
      verbatim++;
    } else {
      other++;
      if (!bytes.equals(want)) differs.add(bytes.toString());
    }
  }
  // Not a vacuous test: most records are verbatim, and many differ from the encoder's text.
  assert.ok(verbatim > 30_000, `verbatim ${verbatim} other ${other} rejected ${rejected} differ ${differs.size}`);
  // Scanning finds nearly every verbatim line (it refuses escapes, which decode() leaves to JSON.parse too).
  assert.ok(scanned > verbatim * 0.9 && scanned <= verbatim, `scanned ${scanned} of ${verbatim} verbatim lines`);
  assert.ok(differs.size > 3_000, `records that differ: ${differs.size}`);
  assert.ok(other > differs.size);
});

test('each kind of difference from the encoded text is caught', () => {
  const writer = new JsonRowWriter();
  const cases: [string, boolean][] = [
    ['{"a":1,"b":"x"}', true],
    ['{"a":1.5,"b":"2026-01-01T00:00:00.000Z"}', true],
    ['{"a":1,"b":"x"} ', false],
    [' {"a":1,"b":"x"}', false],
    ['{"a" :1,"b":"x"}', false],
    ['{"a":1 ,"b":"x"}', false],
    ['{"a":1, "b":"x"}', false],
    ['{"a":-0,"b":"x"}', false],
    ['{"a":1.50,"b":"x"}', false],
    ['{"a":1e2,"b":"x"}', false],
    ['{"a":0.0000001,"b":"x"}', false],
    ['{"a":12345678901234567,"b":"x"}', false],
    ['{"a":1,"b":"2026-01-01T00:00:00Z"}', false],
    ['{"a":1,"b":"2026-01-01T01:00:00.000+01:00"}', false],
    ['{"a":1,"b":"2026-02-30T00:00:00.000Z"}', false],
    ['{"a":1,"b":"0050-02-28T00:00:00.000Z"}', true],
    ['{"a":1,"b":"a\\/b"}', false],
    ['{"a":[1, 2],"b":"x"}', false],
    ['{"a":{"y":1,"x":2},"b":"x"}', true],
    ['{"a":{"2":1,"1":2},"b":"x"}', false],
    ['{"a":{"x":1,"x":2},"b":"x"}', false],
  ];
  for (const [line, expected] of cases) {
    // A fresh decoder per line, taught the shape by a first line so the second goes the fast way.
    const decoder = new JsonLinesDecoder(undefined, { verbatim: true });
    decoder.decode(Buffer.from('{"a":0,"b":"y"}'), 0, 15);
    const buf = Buffer.from(line);
    const scanner = new JsonLinesDecoder(undefined, { verbatim: true });
    scanner.decode(Buffer.from('{"a":0,"b":"y"}'), 0, 15);
    // Nested values are left to decode() (JSON.stringify decides there), so scan refuses them.
    assert.equal(scanner.scan(buf, 0, buf.length), expected && !/[[{]/.test(line.slice(1)), `scan of ${line}`);
    const row = decoder.decode(buf, 0, buf.length);
    assert.ok(row !== undefined && !(row instanceof JsonRejection), line);
    assert.equal(decoder.verbatim, expected, line);
    assert.equal(buf.equals(encoded(writer, row)), expected, `the encoder's text of ${line}`);
  }
  // A key remembered with the space before its colon (the line before had it too) is not the encoder's key.
  const spaced = new JsonLinesDecoder(undefined, { verbatim: true });
  const line = Buffer.from('{"a" :1,"b":"x"}');
  for (let i = 0; i < 3; i++) {
    spaced.decode(line, 0, line.length);
    assert.equal(spaced.verbatim, false, `line ${i}`);
  }
  // Bytes that are not UTF-8 (let through by the utf-8-replace encoding) decode to U+FFFD, which the encoder writes otherwise.
  const bad = Buffer.concat([Buffer.from('{"a":1,"b":"x'), Buffer.from([0xc3]), Buffer.from('"}')]);
  spaced.decode(Buffer.from('{"a":0,"b":"y"}'), 0, 15);
  const row = spaced.decode(bad, 0, bad.length);
  assert.ok(row !== undefined && !(row instanceof JsonRejection));
  assert.equal(row.b, 'x\ufffd');
  assert.equal(spaced.verbatim, false);
});

test('rows decoded by JSON.parse, or with the pipeline\'s fields only, are never verbatim', () => {
  const whole = new JsonLinesDecoder(undefined, { verbatim: true });
  const line = Buffer.from('{"a":1,"b":"x"}');
  whole.decode(line, 0, line.length);
  assert.equal(whole.verbatim, false, 'the first line of a shape is JSON.parse\'s');
  whole.decode(line, 0, line.length);
  assert.equal(whole.verbatim, true);
  const projected = new JsonLinesDecoder(['a', 'b'], { verbatim: true });
  projected.decode(line, 0, line.length);
  projected.decode(line, 0, line.length);
  assert.equal(projected.verbatim, false);
});

test('RowBytesBuilder: one entry per row of the batch, holes where a row has no bytes', () => {
  const builder = new RowBytesBuilder();
  const buf = Buffer.from('{"a":1}{"a":2}');
  const rows: Row[] = [{ a: 0 }, { a: 1 }, { a: 2 }, { a: 3 }];
  builder.add(1, buf, 0, 7);
  builder.add(2, buf, 7, 14);
  const bytes = builder.take(rows);
  assert.ok(bytes);
  assert.equal(bytes.rows, rows);
  assert.deepEqual(bytes.buffers.map((b) => b !== undefined), [false, true, true, false]);
  assert.deepEqual([bytes.starts[2], bytes.ends[2]], [7, 14]);
  assert.equal(builder.take(rows), undefined, 'taken: the builder starts over');
  // More entries than rows (a mistake by the caller) gives no bytes rather than misplaced ones.
  builder.add(5, buf, 0, 7);
  assert.equal(builder.take(rows), undefined);
});
