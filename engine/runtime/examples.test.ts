// Runs every example pipeline in resources/examples headless into a temporary lake, reads the tables back
// and compares them with an independent computation: the same events from the generator API, pushed in
// the same batches, filtered, windowed and aggregated with plain loops written here (not the engine's
// operators or expression language).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { GeneratorConfig, PipelineDoc } from '../format/pipeline.ts';
import { batchSize, partitionStreams } from '../generator/stream.ts';
import { openLake, readRows } from '../lake/index.ts';
import '../nodes/index.ts';
import { createRun } from './run.ts';
import type { Row } from './types.ts';

const examplesDir = new URL('../../resources/examples/', import.meta.url);
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

interface SourceBatch {
  partition: string;
  rows: Row[];
  undecodable: number;
}

/** The generator's events in the batches the source pushes them: up to 1024 per partition, round robin. */
function sourceBatches(nodeId: string, config: GeneratorConfig): SourceBatch[] {
  const streams = partitionStreams(config.dataset, config);
  const out: SourceBatch[] = [];
  while (streams.some((s) => !s.done())) {
    for (const stream of streams) {
      if (stream.done()) continue;
      const batch: SourceBatch = { partition: `${nodeId}/${stream.partition}`, rows: [], undecodable: 0 };
      for (let i = 0; i < batchSize && !stream.done(); i++) {
        const record = stream.next();
        if ('row' in record) batch.rows.push(record.row);
        else batch.undecodable++;
      }
      out.push(batch);
    }
  }
  return out;
}

type Verdict = 'keep' | 'drop' | 'error';

/** Applies a row-level filter to every batch; batches left empty are not passed on (as the runtime does). */
function filterBatches(batches: SourceBatch[], verdict: (row: Row) => Verdict): { batches: SourceBatch[]; errors: Row[] } {
  const errors: Row[] = [];
  const kept: SourceBatch[] = [];
  for (const b of batches) {
    const rows = b.rows.filter((row) => {
      const v = verdict(row);
      if (v === 'error') errors.push(row);
      return v === 'keep';
    });
    if (rows.length > 0) kept.push({ ...b, rows });
  }
  return { batches: kept, errors };
}

interface WindowSpec {
  time: string;
  sizeMs: number;
  delayMs: number;
  latenessMs: number;
  groupBy: string[];
}

/**
 * Tumbling windows the plain way: the watermark is the smallest per-partition maximum event time minus the
 * delay, moved after each batch; a row whose window ended more than the lateness before the watermark is
 * late; everything else counts in its window.
 */
function tumble(batches: SourceBatch[], spec: WindowSpec): { windows: Map<string, { group: unknown[]; start: number; rows: Row[] }>; late: Row[]; errors: Row[] } {
  const windows = new Map<string, { group: unknown[]; start: number; rows: Row[] }>();
  const late: Row[] = [];
  const errors: Row[] = [];
  const maxima = new Map<string, number>();
  let watermark = -Infinity;
  for (const b of batches) {
    let batchMax = -Infinity;
    for (const row of b.rows) {
      if (!(row[spec.time] instanceof Date)) {
        errors.push(row);
        continue;
      }
      const t = (row[spec.time] as Date).getTime();
      batchMax = Math.max(batchMax, t);
      const start = Math.floor(t / spec.sizeMs) * spec.sizeMs;
      if (start + spec.sizeMs + spec.latenessMs <= watermark) {
        late.push(row);
        continue;
      }
      const group = spec.groupBy.map((g) => row[g] ?? null);
      const key = JSON.stringify([start, ...group]);
      let w = windows.get(key);
      if (!w) windows.set(key, (w = { group, start, rows: [] }));
      w.rows.push(row);
    }
    if (batchMax > -Infinity) maxima.set(b.partition, Math.max(maxima.get(b.partition) ?? -Infinity, batchMax));
    if (maxima.size > 0) watermark = Math.max(watermark, Math.min(...maxima.values()) - spec.delayMs);
  }
  return { windows, late, errors };
}

const sum = (rows: Row[], f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0);
const distinct = (rows: Row[], field: string): number => new Set(rows.map((r) => r[field]).filter((v) => v != null)).size;

/** Rows as comparable keys → row, with numbers rounded so float summation order does not matter. */
function byKey(rows: Row[], key: string[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) {
    const k = JSON.stringify(key.map((f) => (row[f] instanceof Date ? (row[f] as Date).getTime() : row[f])));
    assert.ok(!out.has(k), `duplicate row for ${k}`);
    out.set(k, row);
  }
  return out;
}

function assertSameRows(actual: Row[], expected: Row[], key: string[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  const a = byKey(actual, key);
  const e = byKey(expected, key);
  for (const [k, want] of e) {
    const got = a.get(k);
    assert.ok(got, `${label}: missing row ${k}`);
    for (const [field, value] of Object.entries(want)) {
      const have: unknown = got[field];
      if (typeof value === 'number' && typeof have === 'number') {
        assert.ok(Math.abs(have - value) <= 1e-6 * Math.max(1, Math.abs(value)), `${label} ${k}.${field}: ${have} vs ${value}`);
      } else if (value instanceof Date) {
        assert.equal((have as Date | undefined)?.getTime(), value.getTime(), `${label} ${k}.${field}`);
      } else {
        assert.deepEqual(have, value, `${label} ${k}.${field}`);
      }
    }
  }
}

async function runExample(file: string): Promise<{ doc: PipelineDoc; lakeDir: string; summary: Awaited<ReturnType<ReturnType<typeof createRun>['start']>>; table(name: string): Promise<Row[]> }> {
  const doc = JSON.parse(await readFile(new URL(file, examplesDir), 'utf8')) as PipelineDoc;
  const lakeDir = await mkdtemp(join(tmpdir(), 'streamlake-example-'));
  temps.push(lakeDir);
  const run = createRun(doc, { lakeDir, homeDir: lakeDir });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', `${file}: ${summary.error?.message ?? ''}`);
  const lake = openLake(lakeDir);
  return { doc, lakeDir, summary, table: async (name: string) => readRows(await lake.table(name)) };
}

function generatorOf(doc: PipelineDoc): { id: string; config: GeneratorConfig } {
  const node = doc.nodes.find((n) => n.type === 'source.generator');
  assert.ok(node && node.type === 'source.generator');
  return { id: node.id, config: node.config };
}

const isNum = (v: unknown): boolean => typeof v === 'number';

test('every example is covered by a check below', async () => {
  const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, Object.keys(checks).sort());
});

const checks: Record<string, () => Promise<void>> = {
  'sales-by-region.json': async () => {
    const { doc, summary, table } = await runExample('sales-by-region.json');
    const source = generatorOf(doc);
    const batches = sourceBatches(source.id, source.config);
    const undecodable = batches.reduce((s, b) => s + b.undecodable, 0);
    // amount > 0 AND quantity > 0 AND region IS NOT NULL AND event_time IS NOT NULL; text in a numeric
    // field cannot be compared with 0, so that row is an error, while a missing field is NULL and drops.
    const valid = filterBatches(batches, (r) => {
      if (typeof r.amount === 'string') return 'error';
      if (!(isNum(r.amount) && (r.amount as number) > 0)) return 'drop';
      if (typeof r.quantity === 'string') return 'error';
      return isNum(r.quantity) && (r.quantity as number) > 0 && r.region != null && r.event_time != null ? 'keep' : 'drop';
    });
    const shaped = valid.batches.map((b) => ({ ...b, rows: b.rows.map((r) => ({ region: String(r.region).toUpperCase(), amount: r.amount, event_time: r.event_time, is_big: (r.amount as number) >= 500 })) }));
    const { windows, late } = tumble(shaped, { time: 'event_time', sizeMs: 60_000, delayMs: 5_000, latenessMs: 30_000, groupBy: ['region'] });
    const expected = [...windows.values()].map((w) => ({
      region: w.group[0],
      window_start: new Date(w.start),
      window_end: new Date(w.start + 60_000),
      orders: w.rows.length,
      revenue: sum(w.rows, (r) => r.amount as number),
      avg_order: sum(w.rows, (r) => r.amount as number) / w.rows.length,
      max_order: Math.max(...w.rows.map((r) => r.amount as number)),
      big_orders: w.rows.filter((r) => r.is_big).length,
    }));
    assertSameRows(await table('sales_by_region'), expected, ['region', 'window_start'], 'sales_by_region');
    assert.ok(late.length > 0 && valid.errors.length > 0 && undecodable > 0, 'the example exercises every error path');
    assert.equal(summary.nodes.per_min?.late, late.length);
    assert.equal(summary.nodes.valid?.errors, valid.errors.length);
    assert.equal(summary.nodes.orders?.errors, undecodable);
    const raw = await table('sales_orders');
    assert.equal(raw.length, valid.batches.reduce((s, b) => s + b.rows.length, 0));
    assert.deepEqual(new Set(raw.map((r) => r.order_id ?? null)), new Set(valid.batches.flatMap((b) => b.rows.map((r) => r.order_id ?? null))));
    // Every dead letter reached the dead-letter sink, and its table took every one: payloads and source
    // positions of every shape (objects, undecodable text) are kept as JSON text, nothing is refused.
    const deadIn = summary.nodes.dead?.in ?? 0;
    assert.equal(deadIn, undecodable + valid.errors.length + late.length + (summary.nodes.raw?.errors ?? 0));
    const dead = await table('dead_letters');
    assert.equal(summary.nodes.dead?.errors, 0, 'the dead-letter table refused none');
    assert.equal(dead.length, deadIn);
    const count = (node: string, port: string): number => dead.filter((r) => r.node === node && r.port === port).length;
    assert.deepEqual([count('orders', 'error'), count('valid', 'error'), count('per_min', 'late')], [undecodable, valid.errors.length, late.length]);
    assert.ok(dead.every((r) => typeof r.payload === 'string' && r.payload.length > 0 && typeof r.reason === 'string'), 'payloads are text');
    for (const r of dead.filter((d) => d.node !== 'orders')) assert.equal(typeof JSON.parse(r.payload as string), 'object', 'object payloads are JSON text');
    for (const r of dead.filter((d) => d.node === 'orders')) assert.equal(typeof (JSON.parse(r.source as string) as Row).partition, 'string', 'source positions are JSON text');
  },

  'sensor-alerts.json': async () => {
    const { doc, summary, table } = await runExample('sensor-alerts.json');
    const source = generatorOf(doc);
    const batches = sourceBatches(source.id, source.config);
    const plausible = filterBatches(batches, (r) => {
      if (typeof r.temperature === 'string') return 'error';
      return isNum(r.temperature) && (r.temperature as number) >= -50 && (r.temperature as number) <= 150 ? 'keep' : 'drop';
    });
    // avg(humidity) cannot take text: such a row goes to the window's error port and counts nowhere.
    const windowErrors = plausible.batches.flatMap((b) => b.rows.filter((r) => typeof r.humidity === 'string'));
    const windowed = plausible.batches.map((b) => ({ ...b, rows: b.rows.filter((r) => typeof r.humidity !== 'string') })).filter((b) => b.rows.length > 0);
    const { windows, late, errors } = tumble(windowed, { time: 'event_time', sizeMs: 900_000, delayMs: 10_000, latenessMs: 0, groupBy: ['device_id', 'location'] });
    const avg = (rows: Row[], f: string): number | null => {
      const xs = rows.map((r) => r[f]).filter(isNum) as number[];
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    };
    const expected = [...windows.values()].map((w) => ({
      device_id: w.group[0],
      location: w.group[1],
      window_start: new Date(w.start),
      window_end: new Date(w.start + 900_000),
      readings: w.rows.length,
      avg_temperature: avg(w.rows, 'temperature'),
      max_temperature: Math.max(...w.rows.map((r) => r.temperature as number)),
      avg_humidity: avg(w.rows, 'humidity'),
    }));
    assertSameRows(await table('sensor_15m'), expected, ['device_id', 'location', 'window_start'], 'sensor_15m');
    assertSameRows(await table('sensor_alerts'), expected.filter((r) => r.max_temperature > 80), ['device_id', 'location', 'window_start'], 'sensor_alerts');
    assert.equal(summary.nodes.plausible?.errors, plausible.errors.length);
    assert.equal(summary.nodes.per_15m?.errors, windowErrors.length + errors.length);
    assert.equal(summary.nodes.per_15m?.late, late.length);
  },

  'fraud-flags.json': async () => {
    const { doc, table } = await runExample('fraud-flags.json');
    const source = generatorOf(doc);
    const { windows } = tumble(sourceBatches(source.id, source.config), { time: 'event_time', sizeMs: 300_000, delayMs: 5_000, latenessMs: 0, groupBy: ['user_id'] });
    const expected: Row[] = [];
    for (const w of windows.values()) {
      const txns = w.rows.length;
      const total = sum(w.rows, (r) => r.amount as number);
      if (!(txns > 10 || total > 10000)) continue;
      expected.push({
        user_id: w.group[0], window_start: new Date(w.start), window_end: new Date(w.start + 300_000), txns,
        total: Math.round(total * 100) / 100,
        max_amount: Math.max(...w.rows.map((r) => r.amount as number)),
        merchants: distinct(w.rows, 'merchant'), locations: distinct(w.rows, 'location'),
        reason: txns > 10 && total > 10000 ? 'velocity and amount' : txns > 10 ? 'velocity' : 'amount',
      });
    }
    assert.ok(expected.length > 0, 'some windows are flagged');
    assertSameRows(await table('fraud_flags'), expected, ['user_id', 'window_start'], 'fraud_flags');
  },

  'user-activity.json': async () => {
    const { doc, summary, table } = await runExample('user-activity.json');
    const source = generatorOf(doc);
    const { windows, late } = tumble(sourceBatches(source.id, source.config), { time: 'event_time', sizeMs: 60_000, delayMs: 5_000, latenessMs: 0, groupBy: ['user_id', 'event_type'] });
    const expected = [...windows.values()].map((w) => ({
      user_id: w.group[0], event_type: w.group[1], window_start: new Date(w.start), window_end: new Date(w.start + 60_000),
      events: w.rows.length, sessions: distinct(w.rows, 'session_id'), pages: distinct(w.rows, 'page'),
    }));
    assertSameRows(await table('user_activity'), expected, ['user_id', 'event_type', 'window_start'], 'user_activity');
    assert.equal(summary.nodes.per_min?.late, late.length);
    assert.equal(summary.sinks.preview?.rows, source.config.count);
  },

  'ecommerce-funnel.json': async () => {
    const { doc, table } = await runExample('ecommerce-funnel.json');
    const source = generatorOf(doc);
    const { windows } = tumble(sourceBatches(source.id, source.config), { time: 'event_time', sizeMs: 600_000, delayMs: 5_000, latenessMs: 0, groupBy: [] });
    const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
    const expected = [...windows.values()].map((w) => {
      const count = (type: string): number => w.rows.filter((r) => r.event_type === type).length;
      const views = count('product_view');
      const carts = count('add_to_cart');
      const purchases = count('purchase');
      return {
        window_start: new Date(w.start), window_end: new Date(w.start + 600_000),
        sessions: distinct(w.rows, 'session_id'), views, carts, purchases,
        revenue: round(sum(w.rows.filter((r) => r.event_type === 'purchase'), (r) => (r.price as number) * (r.quantity as number)), 2),
        view_to_cart: views > 0 ? round(carts / views, 4) : null,
        cart_to_purchase: carts > 0 ? round(purchases / carts, 4) : null,
        view_to_purchase: views > 0 ? round(purchases / views, 4) : null,
      };
    });
    assertSameRows(await table('ecommerce_funnel'), expected, ['window_start'], 'ecommerce_funnel');
  },

  'user-registrations.json': async () => {
    const { doc, summary, table } = await runExample('user-registrations.json');
    const source = generatorOf(doc);
    const valid = filterBatches(sourceBatches(source.id, source.config), (r) => {
      if (r.email != null && typeof r.email !== 'string') return 'error';
      return typeof r.email === 'string' && r.email.includes('@') ? 'keep' : 'drop';
    });
    // Dedupe on lower(email) within one day of event time: the first sign-up of an address wins.
    const first = new Map<string, number>();
    const unique: Row[] = [];
    let noTime = 0;
    for (const row of valid.batches.flatMap((b) => b.rows)) {
      if (!(row.event_time instanceof Date)) {
        noTime++;
        continue;
      }
      const key = (row.email as string).toLowerCase();
      const t = (row.event_time as Date).getTime();
      const seen = first.get(key);
      if (seen !== undefined && Math.abs(t - seen) <= 86_400_000) continue;
      first.set(key, t);
      unique.push(row);
    }
    const users = await table('users');
    // The users table types birth_year and marketing_opt_in from the data; rows with text there are
    // refused by the table and counted as its errors.
    const fits = unique.filter((r) => (r.birth_year == null || isNum(r.birth_year)) && (r.marketing_opt_in == null || typeof r.marketing_opt_in === 'boolean'));
    assert.equal(users.length, fits.length);
    assert.equal(summary.nodes.lake?.errors, unique.length - fits.length);
    assert.deepEqual(new Set(users.map((u) => u.email)), new Set(fits.map((r) => (r.email as string).toLowerCase())));
    const byEmail = new Map(fits.map((r) => [(r.email as string).toLowerCase(), r]));
    for (const u of users) {
      const r = byEmail.get(u.email as string) as Row;
      assert.equal(u.user_id ?? null, r.user_id ?? null);
      assert.equal(u.email, (r.email as string).toLowerCase());
      assert.equal((u.signed_up_at as Date).getTime(), (r.event_time as Date).getTime());
      const day = new Date(r.event_time as Date);
      day.setUTCHours(0, 0, 0, 0);
      assert.equal((u.signup_day as Date).getTime(), day.getTime());
    }
    assert.equal(summary.nodes.unique?.in, valid.batches.reduce((s, b) => s + b.rows.length, 0));
    assert.equal(summary.nodes.unique?.errors, noTime);
    assert.equal(summary.nodes.valid?.errors, valid.errors.length);
  },
};

for (const [file, check] of Object.entries(checks)) test(`example ${file} matches an independent computation`, check);
