// Fused runs (decode, filter, map and window pre-aggregation on workers: runtime/fusion.ts) against the
// same pipeline decoded and run on the run's thread, over random JSON Lines with out-of-order and late
// events, windows that close mid-stream, bad lines, blank lines, null and missing fields and values that
// make nodes fail: every batch each sink received (window rows, re-emits, late and error rows), every
// node's counts and the final checkpoint (positions and operator state) must be the same. Window results
// are also checked against the test's own aggregation of the input, and a run stopped mid-way and
// restored with workers against an uninterrupted run on the run's thread.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import '../operators/index.ts';
import { ManualTime } from '../runtime/clock.ts';
import { createRun, type RunOptions, type RunSummary } from '../runtime/run.ts';
import type { Row } from '../runtime/types.ts';
import { FileSource } from '../sources/file/source.ts';
import '../windows/index.ts';
import { sharing } from './file-lines.ts';
import { DecodePool, workersAvailable } from './pool.ts';
import { randomFloats } from '../testing/random.ts';
import { RecordingSink, withWorkers } from '../testing/recording.ts';

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamlake-fused-'));
  temps.push(dir);
  return dir;
}

const base = Date.UTC(2026, 5, 1);
const regions = ['eu', 'us', 'apac', 'latam'];
const channels = ['web', 'app', 'shop'];

interface Input {
  path: string;
  /** The events the test wrote as valid JSON objects, in file order. */
  events: Row[];
}

/**
 * ~4 MB of JSON Lines (several of the source's 1 MiB chunks). Amounts are quarters, so sums are exact in
 * any order and results compare with ===.
 */
async function inputFile(seed: number, count: number): Promise<Input> {
  const rnd = randomFloats(seed);
  const lines: string[] = [];
  const events: Row[] = [];
  let clock = base;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.0005) {
      lines.push(`{"ts": "${new Date(clock).toISOString()}", "amount": `);
      continue;
    }
    if (r < 0.001) {
      lines.push(r < 0.00075 ? '' : '   ');
      continue;
    }
    clock += Math.floor(rnd() * 40);
    let t = clock - Math.floor(rnd() * 3000);
    const late = rnd();
    // Beyond the allowed lateness (late port; the task goes as rows), or behind the watermark within it (re-emits).
    if (late < 0.0005) t = clock - 300_000 - Math.floor(rnd() * 60_000);
    else if (late < 0.01) t = clock - 5_000 - Math.floor(rnd() * 20_000);
    const event: Row = {
      ts: rnd() < 0.7 ? new Date(t).toISOString() : t,
      region: rnd() < 0.05 ? null : regions[Math.floor(rnd() * regions.length)],
      channel: channels[Math.floor(rnd() * channels.length)],
      amount: rnd() < 0.03 ? null : Math.floor(rnd() * 5000 - 1000) / 4,
      qty: Math.floor(rnd() * 5),
      note: rnd() < 0.05 ? 'naïve café ☕ "quoted" \\ back\nslash 𝄞' : 'plain',
    };
    const odd = rnd();
    if (odd < 0.0003) event.ts = 'not a time';
    else if (odd < 0.0005) delete event.ts;
    else if (odd < 0.0008) event.amount = 'x';
    else if (odd < 0.0011) event.qty = 'text';
    else if (odd < 0.05) delete event.qty;
    lines.push(JSON.stringify(event));
    events.push(event);
  }
  const dir = await tempDir();
  const path = join(dir, 'events.jsonl');
  await writeFile(path, lines.join('\n') + '\n');
  return { path, events };
}

interface Write { rows: Row[]; upsertKey?: readonly string[]; retract?: readonly Row[] }

interface Outcome {
  summary: RunSummary;
  writes: Record<string, Write[]>;
  /** The final checkpoint without its creation time. */
  checkpoint: unknown;
  fusedRuns: number;
  workersUsed: number;
}

async function runOnce(doc: PipelineDoc, workers: string, checkpointDir: string, options: Partial<RunOptions> = {}): Promise<Outcome> {
  const writes: Record<string, Write[]> = {};
  const sources: FileSource[] = [];
  // Every batch a sink node receives, in order.
  const record = (id: string): RecordingSink => {
    const list = (writes[id] ??= []);
    return new RecordingSink((batch) => {
      list.push({ rows: batch.rows, ...(batch.upsertKey ? { upsertKey: batch.upsertKey } : {}), ...(batch.retract ? { retract: batch.retract } : {}) });
    });
  };
  const summary = await withWorkers(workers, () => createRun(doc, {
    lakeDir: checkpointDir,
    homeDir: checkpointDir,
    checkpointDir,
    checkpointInterval: 0,
    clock: new ManualTime(base + 3_600_000),
    nodes: {
      'source.file': { kind: 'source', create: (spec, ctx) => { const s = new FileSource((spec as Extract<NodeSpec, { type: 'source.file' }>).config, ctx); sources.push(s); return s; } },
      'sink.preview': { kind: 'sink', create: (spec) => record(spec.id) },
    },
    ...options,
  }).start());
  assert.equal(summary.status, 'finished', summary.error?.message);
  const files = (await readdir(checkpointDir)).filter((f) => /^chk-\d+\.json$/.test(f));
  assert.equal(files.length, 1);
  const checkpoint = JSON.parse(await readFile(join(checkpointDir, files[0] as string), 'utf8')) as Record<string, unknown>;
  delete checkpoint.createdAt;
  return { summary, writes, checkpoint, fusedRuns: sources.reduce((n, s) => n + s.fusedRuns, 0), workersUsed: sources[0]?.workersUsed ?? 0 };
}

function pipeline(name: string, nodes: NodeSpec[], edges: PipelineDoc['edges']): PipelineDoc {
  return { format: 'streamlake.pipeline', version: 1, name, nodes, edges };
}

const aggregates = { n: 'count(*)', priced: 'count(qty)', total: 'sum(amount)', mean: 'avg(amount)', low: 'min(amount)', high: 'max(qty)' };

/** Every port connected: whole rows, every kind of dead letter recorded. */
function withErrors(path: string): PipelineDoc {
  return pipeline('fused-errors', [
    { id: 'src', type: 'source.file', config: { path, format: 'jsonl' } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
    { id: 'shape', type: 'transform.map', config: { select: { ts: 'ts', region: 'region', amount: 'amount * 2', qty: 'qty + 0' } } },
    { id: 'per_min', type: 'window.tumbling', config: { time: 'ts', size: '1m', watermarkDelay: '2s', allowedLateness: '30s', groupBy: ['region'], aggregates } },
    { id: 'out', type: 'sink.preview', config: {} },
    { id: 'errors', type: 'sink.preview', config: {} },
    { id: 'late', type: 'sink.preview', config: {} },
  ], [
    { from: 'src', to: 'valid' }, { from: 'valid', to: 'shape' }, { from: 'shape', to: 'per_min' }, { from: 'per_min', to: 'out' },
    { from: 'src', port: 'error', to: 'errors' }, { from: 'valid', port: 'error', to: 'errors' }, { from: 'shape', port: 'error', to: 'errors' },
    { from: 'per_min', port: 'error', to: 'errors' }, { from: 'per_min', port: 'late', to: 'late' },
  ]);
}

/** No port but `out` connected: the source decodes only the fields read (columns from the worker). */
function projected(path: string, lateness: string): PipelineDoc {
  return pipeline('fused-projected', [
    { id: 'src', type: 'source.file', config: { path, format: 'jsonl' } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
    { id: 'hop', type: 'window.hopping', config: { time: 'ts', size: '1m', slide: '20s', watermarkDelay: '1s', allowedLateness: lateness, groupBy: ['region', 'channel'], aggregates: { n: 'count(*)', total: 'sum(amount)', high: 'max(amount)' } } },
    { id: 'out', type: 'sink.preview', config: {} },
  ], [{ from: 'src', to: 'valid' }, { from: 'valid', to: 'hop' }, { from: 'hop', to: 'out' }]);
}

function counts(summary: RunSummary): unknown {
  return Object.fromEntries(Object.entries(summary.nodes).map(([id, n]) => [id, [n.in, n.out, n.errors, n.late]]));
}

function assertSame(fused: Outcome, inline: Outcome, label: string): void {
  assert.deepEqual(counts(fused.summary), counts(inline.summary), `${label}: node counts`);
  for (const id of Object.keys(inline.writes)) assert.deepEqual(fused.writes[id], inline.writes[id], `${label}: what sink "${id}" received`);
  assert.deepEqual(Object.keys(fused.writes).sort(), Object.keys(inline.writes).sort());
  assert.deepEqual(fused.checkpoint, inline.checkpoint, `${label}: final checkpoint`);
}

/** The last row per upsert key (window rows and their re-emits), keyed by group and window start. */
function finalRows(writes: Write[] | undefined, key: string[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const w of writes ?? []) for (const row of w.rows) rows.set(JSON.stringify(key.map((k) => row[k] ?? null)), row);
  return rows;
}

test('fused runs equal runs on the run\'s thread: window rows, re-emits, late and error rows, counts, checkpoint', { skip: !workersAvailable() }, async () => {
  for (const seed of [3, 4]) {
    const input = await inputFile(seed, 40_000);
    const doc = withErrors(input.path);
    const inline = await runOnce(doc, '0', await tempDir());
    const fused = await runOnce(doc, '1', await tempDir());
    assert.equal(inline.fusedRuns, 0);
    assert.equal(fused.workersUsed, 1);
    // Most runs were pre-aggregated; the others (a bad line, a failing row, a late window) went as rows.
    assert.ok(fused.fusedRuns > 3, `fused runs: ${fused.fusedRuns}`);
    assert.ok((inline.writes.late?.length ?? 0) > 0 && (inline.writes.errors?.length ?? 0) > 0, 'the input has late and failing rows');
    assert.ok(inline.writes.out?.some((w) => w.upsertKey), 'some windows were re-emitted');
    assertSame(fused, inline, `seed ${seed}`);
  }
});

test('projected fields, hopping windows, two workers: fused equals inline and the test\'s own aggregation', { skip: !workersAvailable() }, async () => {
  const input = await inputFile(11, 40_000);
  const doc = projected(input.path, '1h');
  const inline = await runOnce(doc, '0', await tempDir());
  const fused = await runOnce(doc, '2', await tempDir());
  assert.ok(fused.fusedRuns > 10, `fused runs: ${fused.fusedRuns}`);
  assertSame(fused, inline, 'projected');
  // Independently: every event with a valid time and a positive amount counts in its three windows.
  const expected = new Map<string, { n: number; total: number; high: number }>();
  for (const e of input.events) {
    if (typeof e.amount !== 'number' || !(e.amount > 0)) continue;
    const t = typeof e.ts === 'number' ? e.ts : typeof e.ts === 'string' ? Date.parse(e.ts) : Number.NaN;
    if (!Number.isFinite(t)) continue;
    for (let start = Math.floor(t / 20_000) * 20_000; start > t - 60_000; start -= 20_000) {
      const key = JSON.stringify([e.region ?? null, e.channel ?? null, new Date(start).toISOString()]);
      const w = expected.get(key) ?? { n: 0, total: 0, high: Number.NEGATIVE_INFINITY };
      w.n++;
      w.total += e.amount;
      w.high = Math.max(w.high, e.amount);
      expected.set(key, w);
    }
  }
  const got = finalRows(fused.writes.out, ['region', 'channel', 'window_start']);
  assert.equal(got.size, expected.size);
  for (const [key, row] of got) {
    const [region, channel, start] = JSON.parse(key) as [string, string, string];
    const want = expected.get(JSON.stringify([region, channel, start]));
    assert.deepEqual({ n: row.n, total: row.total, high: row.high }, want, key);
  }
});

test('stopped mid-way with workers and restored: the final windows equal an uninterrupted run on the run\'s thread', { skip: !workersAvailable() }, async () => {
  const input = await inputFile(21, 30_000);
  const doc = projected(input.path, '1h');
  const inline = await runOnce(doc, '0', await tempDir());
  const dir = await tempDir();
  const first = await runOnce(doc, '1', dir, { maxEvents: 13_001 });
  const second = await runOnce(doc, '1', dir);
  assert.equal(second.summary.restoredFrom, first.summary.lastCheckpointId);
  assert.ok(first.fusedRuns > 3 && second.fusedRuns > 3, `fused runs: ${first.fusedRuns}, ${second.fusedRuns}`);
  assert.equal(first.summary.eventsIn + second.summary.eventsIn, inline.summary.eventsIn);
  const key = ['region', 'channel', 'window_start'];
  const resumed = finalRows([...(first.writes.out ?? []), ...(second.writes.out ?? [])], key);
  assert.deepEqual(resumed, finalRows(inline.writes.out, key));
  assert.deepEqual((second.checkpoint as { sources: unknown }).sources, (inline.checkpoint as { sources: unknown }).sources);
});

test('work sharing: tasks decoded on the run\'s thread, on the worker or split between them give the results of a run without workers', { skip: !workersAvailable() }, async () => {
  const input = await inputFile(5, 40_000);
  const doc = withErrors(input.path);
  const inline = await runOnce(doc, '0', await tempDir());
  const splits: [string, (task: number) => boolean][] = [['all on the run\'s thread', () => true], ['all on the worker', () => false], ['every third on the worker', (task) => task % 3 !== 1]];
  let total = 0;
  try {
    for (const [label, here] of splits) {
      sharing.here = here;
      const before = sharing.decodedHere;
      const fused = await runOnce(doc, '1', await tempDir());
      const decodedHere = sharing.decodedHere - before;
      // Every task decoded on the run's thread, none, or all but every third (numbered from 0).
      if (here === splits[0]?.[1]) total = decodedHere;
      const expected = Array.from({ length: total }, (_, task) => here(task)).filter(Boolean).length;
      assert.equal(decodedHere, expected, `${label}: tasks decoded on the run's thread`);
      assert.ok(fused.fusedRuns > 3, `${label}: fused runs ${fused.fusedRuns}`);
      assertSame(fused, inline, label);
    }
  } finally {
    sharing.here = undefined;
  }
  // ~40 tasks of 1024 lines and one more per 1 MiB chunk end; some went as rows (bad lines, failing rows).
  assert.ok(total > 40, `${total} tasks`);
});

test('a small fused file is read before a worker would be up: no worker starts, same results', { skip: !workersAvailable() }, async () => {
  const input = await inputFile(6, 5_000);
  const doc = withErrors(input.path);
  const inline = await runOnce(doc, '0', await tempDir());
  const started = DecodePool.started;
  const fused = await runOnce(doc, '1', await tempDir());
  assert.equal(DecodePool.started, started, 'workers started');
  assertSame(fused, inline, 'small file');
  // A file of more tasks starts one.
  const large = await runOnce(withErrors((await inputFile(7, 20_000)).path), '1', await tempDir());
  assert.equal(DecodePool.started, started + 1, 'workers started for a larger file');
  assert.ok(large.fusedRuns > 3);
});
