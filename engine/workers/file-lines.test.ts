// The file source with decode workers against the same source decoding inline, and against what the test
// computes itself from the lines (JSON.parse, line numbers, byte offsets): same rows in the same order, the
// same dead letters with their lines, and positions that cover exactly the rows handed over, under
// backpressure, across a stop and restore, and under a budget.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ManualTime } from '../runtime/clock.ts';
import type { DeadLetter, Row, SourcePositions } from '../runtime/types.ts';
import type { InputEncoding } from '../sources/encoding.ts';
import { FileSource, type FileSourceOptions } from '../sources/file/source.ts';
import { randomFloats } from '../testing/random.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-workers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const regions = ['europe', 'asia', 'Zürich', '東京', 'emoji 🚀', 'esc\\"aped', 'tab\\there'];

/** Random JSON Lines: valid objects of varying shape, multi-byte UTF-8, malformed lines, arrays, blanks, CRLF. */
function lines(seed: number, count: number): string[] {
  const next = randomFloats(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = next();
    if (r < 0.03) out.push(pick(['{"amount":1,', 'N/A', '{"amount":}', '{"region":"ü', '{"a":1}}', '\u00ff\u00fe']));
    else if (r < 0.04) out.push(pick(['[1,2]', '"text"', 'null', '42']));
    else if (r < 0.05) out.push(pick(['', '   ', '\t']));
    else {
      const fields: string[] = [];
      if (next() < 0.95) fields.push(`"amount":${pick(['12.5', '-3', '0', '1e3', '7.25E-2', String(Math.round(next() * 1e6) / 100)])}`);
      if (next() < 0.9) fields.push(`"event_time":"${pick(['2026-01-01T00:00:01.500Z', '2026-03-04T05:06:07Z', '2026-03-04T05:06:07+02:00', 'not a time', '2026-13-45T99:99:99Z'])}"`);
      if (next() < 0.9) fields.push(`"region":${next() < 0.1 ? 'null' : `"${pick(regions)}"`}`);
      if (next() < 0.5) fields.push(`"note":${pick(['true', 'false', '{"x":[1,"ü"]}', '[1,2,3]', '"Grüße 👋"'])}`);
      if (next() < 0.5) fields.push(`"id":"${Math.floor(next() * 1e9).toString(36)}"`);
      // Keys in varying order, sometimes spaced, so the decoder's layout cache misses too.
      if (next() < 0.2) fields.reverse();
      out.push(`{${fields.join(next() < 0.1 ? ' , ' : ',')}}`);
    }
  }
  return out;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Read {
  rows: Row[];
  dead: DeadLetter[];
  positions: SourcePositions;
  /** positions() seen in each push, with the rows delivered on `out` up to and including that push. */
  seen: { line: number; offset: number; rows: number }[];
  /** Decode workers the source used. */
  workers: number;
}

async function read(path: string, options: FileSourceOptions & { fields?: string[]; stopAfter?: number; restore?: SourcePositions; budget?: number; slow?: boolean; encoding?: InputEncoding }): Promise<Read> {
  let left = options.budget ?? Infinity;
  const budget = options.budget === undefined ? undefined : (wanted: number): number => {
    const granted = Math.min(wanted, left);
    left -= granted;
    return granted;
  };
  // The random lines hold invalid UTF-8 ('\u00ff\u00fe' written as latin1 below is not): they are compared
  // under utf-8-replace unless a test asks for another encoding.
  const source = new FileSource({ path, format: 'jsonl', encoding: options.encoding ?? 'utf-8-replace' }, { nodeId: 'src', clock: new ManualTime(5), fields: options.fields, budget }, { workers: options.workers });
  if (options.restore) source.restore(options.restore);
  const rows: Row[] = [];
  const dead: DeadLetter[] = [];
  const seen: Read['seen'] = [];
  const controller = new AbortController();
  const next = randomFloats(99);
  let pushes = 0;
  await source.run(async (batch, port) => {
    if (port === 'error') dead.push(...(batch.rows as DeadLetter[]));
    else rows.push(...batch.rows);
    const p = source.positions() as { line: number; offset: number };
    seen.push({ line: p.line, offset: p.offset, rows: rows.length });
    if (++pushes === options.stopAfter) controller.abort();
    // Backpressure: the runtime makes a source wait for room; workers keep decoding meanwhile.
    if (options.slow) await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 3)));
  }, controller.signal);
  return { rows, dead, positions: source.positions(), seen, workers: source.workersUsed };
}

/** What the test expects from the text alone: rows per line (JSON.parse), the bad lines, and line end offsets. */
function expected(text: string): { objects: number[]; bad: number[]; lineEnd: number[] } {
  const objects: number[] = [];
  const bad: number[] = [];
  const lineEnd = [0];
  let offset = 0;
  const all = text.split('\n');
  all.forEach((line, i) => {
    offset += Buffer.byteLength(line) + (i < all.length - 1 ? 1 : 0);
    lineEnd.push(offset);
    if (i === all.length - 1 && line === '') return;
    const t = line.replace(/\r$/, '');
    if (t.trim() === '') return;
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) objects.push(i + 1);
      else bad.push(i + 1);
    } catch {
      bad.push(i + 1);
    }
  });
  return { objects, bad, lineEnd };
}

const projection = ['amount', 'event_time', 'region', 'note'];

for (const seed of [1, 2, 3]) {
  test(`workers decode exactly as inline (seed ${seed}): rows, order, dead letters, positions; projected and whole rows`, async () => {
    const text = '\uFEFF' + lines(seed, 6000).map((l, i) => (i % 17 === 0 ? `${l}\r` : l)).join('\n') + (seed === 2 ? '' : '\n');
    const path = write(`eq-${seed}.jsonl`, text);
    const want = expected(text.slice(1));
    for (const fields of [projection, undefined]) {
      const inline = await read(path, { workers: 0, fields });
      const pooled = await read(path, { workers: 2, fields });
      assert.deepEqual(pooled.rows, inline.rows);
      assert.deepEqual(pooled.dead, inline.dead);
      assert.deepEqual(pooled.positions, inline.positions);
      // Independently of the source: one row per object line, one dead letter per bad line, with its line.
      assert.equal(pooled.rows.length, want.objects.length);
      assert.deepEqual(pooled.dead.map((d) => (d.source as { line: number }).line), want.bad);
      for (const d of pooled.dead) assert.match(d.reason, /^line \d+: (invalid JSON: |expected a JSON object, got )/);
      assert.equal((pooled.positions as { offset: number }).offset, Buffer.byteLength(text));
      if (fields) for (const row of pooled.rows) for (const key of Object.keys(row)) assert.ok(fields.includes(key), key);
    }
  });
}

test('workers under backpressure: batches in file order, and every position covers exactly the rows handed over', async () => {
  const text = lines(7, 12_000).join('\n') + '\n';
  const path = write('order.jsonl', text);
  const want = expected(text);
  const r = await read(path, { workers: 2, fields: projection, slow: true });
  assert.equal(r.rows.length, want.objects.length);
  let last = 0;
  for (const s of r.seen) {
    assert.ok(s.line >= last, 'positions only move forward');
    last = s.line;
    assert.equal(s.offset, want.lineEnd[s.line], `offset ${s.offset} is the end of line ${s.line}`);
    // The rows handed over so far are exactly those of the lines the position covers.
    assert.equal(s.rows, want.objects.filter((l) => l <= s.line).length, `rows through line ${s.line}`);
  }
  // Order: amounts as the file has them, computed without the source.
  const amounts = text.split('\n').filter((_, i) => want.objects.includes(i + 1)).map((l) => (JSON.parse(l) as Row).amount);
  assert.deepEqual(r.rows.map((row) => row.amount), amounts);
});

test('workers: a stop and a restore from the positions give every row once', async () => {
  const text = lines(11, 9000).join('\n') + '\n';
  const path = write('restore.jsonl', text);
  const whole = await read(path, { workers: 0, fields: projection });
  const first = await read(path, { workers: 2, fields: projection, stopAfter: 3, slow: true });
  assert.ok(first.rows.length > 0 && first.rows.length < whole.rows.length);
  const rest = await read(path, { workers: 2, fields: projection, restore: first.positions });
  assert.deepEqual([...first.rows, ...rest.rows], whole.rows);
  assert.deepEqual([...first.dead, ...rest.dead].map((d) => d.source), whole.dead.map((d) => d.source));
});

test('workers under a budget: exactly the granted records, and the position stops before the first one not granted', async () => {
  const text = lines(5, 5000).filter((l) => l.trim() !== '').join('\n') + '\n';
  const path = write('budget.jsonl', text);
  const want = expected(text);
  const r = await read(path, { workers: 1, fields: projection, budget: 2500 });
  assert.equal(r.rows.length + r.dead.length, 2500);
  assert.deepEqual(r.positions, { offset: want.lineEnd[2500], line: 2500 });
  const inline = await read(path, { workers: 0, fields: projection, budget: 2500 });
  assert.deepEqual(r.rows, inline.rows);
  assert.deepEqual(r.positions, inline.positions);
});

test('STREAMLAKE_WORKERS overrides the option and must be a whole number', async () => {
  const path = write('env.jsonl', '{"amount":1}\n');
  const before = process.env.STREAMLAKE_WORKERS;
  try {
    process.env.STREAMLAKE_WORKERS = 'two';
    await assert.rejects(read(path, { workers: 1 }), (e: unknown) => (e as { code?: string }).code === 'ENG_SOURCE_WORKER');
    process.env.STREAMLAKE_WORKERS = '0';
    assert.deepEqual((await read(path, { workers: 2, fields: ['amount'] })).rows, [{ amount: 1 }]);
  } finally {
    if (before === undefined) delete process.env.STREAMLAKE_WORKERS;
    else process.env.STREAMLAKE_WORKERS = before;
  }
});

test('workers read every encoding as inline does: strict UTF-8 sends bad lines to the error port with their offset, latin1 converts', async () => {
  // Lines as bytes: ASCII, valid UTF-8 (ü = c3 bc), Latin-1 bytes that are not UTF-8 (ü = fc, at a known
  // index), a stray continuation byte, and malformed JSON; the test knows each line's start and bad byte.
  const next = randomFloats(42);
  const parts: Buffer[] = [];
  const lineStart: number[] = [];
  const badByte: (number | undefined)[] = [];
  let offset = 3;
  parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  for (let i = 0; i < 5000; i++) {
    const amount = Math.round(next() * 1e5) / 100;
    const kind = next();
    let line: Buffer;
    let bad: number | undefined;
    if (kind < 0.2) {
      const head = Buffer.from(`{"amount":${amount},"region":"Z`);
      line = Buffer.concat([head, Buffer.from([0xfc]), Buffer.from('rich"}')]);
      bad = head.length;
    } else if (kind < 0.25) {
      const head = Buffer.from(`{"region":"a`);
      line = Buffer.concat([head, Buffer.from([0x80]), Buffer.from(`","amount":${amount}}`)]);
      bad = head.length;
    } else if (kind < 0.45) line = Buffer.from(`{"amount":${amount},"region":"Zürich 東京"}`);
    else if (kind < 0.48) line = Buffer.from(next() < 0.5 ? '{"amount":' : '[1]');
    else line = Buffer.from(`{"region":"europe","amount":${amount},"note":"x"}`);
    lineStart.push(offset);
    badByte.push(bad);
    parts.push(line, Buffer.from(i % 13 === 0 ? '\r\n' : '\n'));
    offset += line.length + (i % 13 === 0 ? 2 : 1);
  }
  const bytes = Buffer.concat(parts);
  const path = join(dir, 'encodings.jsonl');
  writeFileSync(path, bytes);
  /** Each line's bytes without its CR (and the first line without the BOM), computed from the offsets. */
  const lineBytes = lineStart.map((start, i) => {
    let end = (lineStart[i + 1] ?? bytes.length) - 1;
    if (bytes[end - 1] === 13) end--;
    return bytes.subarray(start, end);
  });
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (const encoding of ['utf-8', 'latin1', 'utf-8-replace'] as const) {
    // Independently of the source: what each line is under this encoding.
    const want: Row[] = [];
    const wantDead: { line: number; reason: RegExp }[] = [];
    lineBytes.forEach((b, i) => {
      let text: string;
      if (encoding === 'latin1') text = b.toString('latin1');
      else if (encoding === 'utf-8-replace') text = b.toString('utf8');
      else {
        try {
          text = strict.decode(b);
        } catch {
          const bad = badByte[i] as number;
          wantDead.push({ line: i + 1, reason: new RegExp(`^line ${i + 1}: invalid UTF-8 at byte offset ${lineStart[i]! + bad} \\(byte ${bad} of the line\\)`) });
          return;
        }
      }
      try {
        const v = JSON.parse(text) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) want.push(v as Row);
        else wantDead.push({ line: i + 1, reason: /expected a JSON object/ });
      } catch {
        wantDead.push({ line: i + 1, reason: /invalid JSON/ });
      }
    });
    for (const fields of [['amount', 'region'], undefined]) {
      const inline = await read(path, { workers: 0, fields, encoding });
      const pooled = await read(path, { workers: 2, fields, encoding });
      assert.equal(pooled.workers, 2, `${encoding}: decoded on the workers`);
      assert.equal(inline.workers, 0);
      assert.deepEqual(pooled.rows, inline.rows, encoding);
      assert.deepEqual(pooled.dead, inline.dead, encoding);
      assert.deepEqual(pooled.positions, inline.positions, encoding);
      const project = (row: Row): Row => (fields ? Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]])) : row);
      assert.deepEqual(pooled.rows, want.map(project), encoding);
      assert.equal(pooled.dead.length, wantDead.length, encoding);
      pooled.dead.forEach((d, k) => {
        assert.equal((d.source as { line: number }).line, wantDead[k]!.line);
        assert.match(d.reason, wantDead[k]!.reason);
      });
    }
  }
});
