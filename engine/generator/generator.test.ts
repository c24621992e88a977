import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetNames } from '../format/datasets.ts';
import type { NodeSpec } from '../format/pipeline.ts';
import { ManualTime } from '../runtime/clock.ts';
import type { Batch, NodeContext, Row } from '../runtime/types.ts';
import { datasetSchema, generateEvents, generateRecords, GeneratorSource } from './index.ts';

function take(dataset: string, count: number, extra: Record<string, number> = {}): Row[] {
  return [...generateEvents(dataset, { count, seed: 42, ...extra })];
}

function context(time: ManualTime, nodeId = 'gen'): NodeContext {
  const noop = (): void => {};
  return {
    nodeId,
    pipelineName: 'test',
    clock: time,
    timers: time,
    lakeDir: '/nonexistent',
    homeDir: '/nonexistent',
    metrics: { addIn: noop, addOut: noop, addError: noop, addLate: noop, setWatermark: noop, observeLatency: noop },
    signal: new AbortController().signal,
    log: noop,
  };
}

function spec(config: Extract<NodeSpec, { type: 'source.generator' }>['config']): Extract<NodeSpec, { type: 'source.generator' }> {
  return { id: 'gen', type: 'source.generator', config };
}

test('every dataset produces rows with exactly its declared fields and types', () => {
  for (const dataset of datasetNames) {
    const schema = datasetSchema(dataset);
    for (const row of take(dataset, 2000)) {
      assert.deepEqual(Object.keys(row).sort(), schema.map((f) => f.name).sort(), dataset);
      for (const field of schema) {
        const value = row[field.name];
        if (value === null) continue;
        const ok = { string: typeof value === 'string', long: Number.isInteger(value), double: typeof value === 'number', boolean: typeof value === 'boolean', timestamp: value instanceof Date, json: typeof value === 'object', unknown: true }[field.type];
        assert.ok(ok, `${dataset}.${field.name} = ${JSON.stringify(value)} is not ${field.type}`);
      }
    }
  }
});

test('the same seed gives the same events, another seed different ones', () => {
  for (const dataset of datasetNames) {
    assert.deepEqual(take(dataset, 3000), take(dataset, 3000), dataset);
    assert.notDeepEqual(take(dataset, 300), [...generateEvents(dataset, { count: 300, seed: 43 })], dataset);
  }
});

test('event time starts at startTime and moves forward at a realistic rate', () => {
  const rows = [...generateEvents('sales_orders', { count: 10_000, seed: 1, startTime: '2026-03-01T12:00:00Z' })];
  const times = rows.map((r) => (r.event_time as Date).getTime());
  assert.equal(times[0], Date.parse('2026-03-01T12:00:00Z'));
  for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) > (times[i - 1] ?? 0), 'in order without disorder settings');
  const spanSeconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  // About 50 orders per second by day (a daily rhythm scales it by 0.5–1.5).
  assert.ok(spanSeconds > 100 && spanSeconds < 600, `10k orders over ${spanSeconds}s`);
});

test('sales amounts are skewed: popular cheap products, a long tail of expensive orders', () => {
  const rows = take('sales_orders', 20_000);
  const amounts = rows.map((r) => r.amount as number).sort((a, b) => a - b);
  const median = amounts[amounts.length >> 1] ?? 0;
  const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
  assert.ok(median > 8 && median < 120, `median ${median}`);
  assert.ok(mean > median * 1.5, `mean ${mean} should exceed median ${median} (right tail)`);
  for (const row of rows) assert.equal(row.amount, Math.round((row.quantity as number) * (row.unit_price as number) * 100) / 100);
  const byProduct = new Map<string, number>();
  for (const row of rows) byProduct.set(String(row.product), (byProduct.get(String(row.product)) ?? 0) + 1);
  const counts = [...byProduct.values()].sort((a, b) => b - a);
  assert.ok((counts[0] ?? 0) > 5 * (counts.at(-1) ?? 1), 'Zipf-like popularity');
  const regions = new Map<string, number>();
  for (const row of rows) regions.set(String(row.region), (regions.get(String(row.region)) ?? 0) + 1);
  assert.equal(regions.size, 5);
  assert.ok((regions.get('north_america') ?? 0) > 3 * (regions.get('middle_east_africa') ?? 0));
});

test('sensors stay in plausible ranges and spike above 80 now and then', () => {
  const rows = take('sensor_readings', 50_000);
  const spikes = rows.filter((r) => (r.temperature as number) > 80).length;
  assert.ok(spikes > 20 && spikes < 400, `${spikes} spikes`);
  const normal = rows.filter((r) => (r.temperature as number) <= 80);
  for (const row of normal) assert.ok((row.temperature as number) > -5 && (row.temperature as number) < 45, `temperature ${row.temperature}`);
  for (const row of rows) assert.ok((row.humidity as number) >= 5 && (row.humidity as number) <= 100);
  assert.equal(new Set(rows.map((r) => r.device_id)).size, 49);
});

test('some transaction users trip the fraud rules (more than 10 payments or over 10000 in 5 minutes)', () => {
  const windows = new Map<string, { count: number; sum: number }>();
  for (const row of take('transactions', 100_000)) {
    const key = `${String(row.user_id)}@${Math.floor((row.event_time as Date).getTime() / 300_000)}`;
    const w = windows.get(key) ?? { count: 0, sum: 0 };
    w.count++;
    w.sum += row.amount as number;
    windows.set(key, w);
  }
  const flagged = [...windows.values()].filter((w) => w.count > 10 || w.sum > 10_000).length;
  assert.ok(flagged >= 5 && flagged < 500, `${flagged} flagged windows`);
});

test('the e-commerce funnel narrows at each step', () => {
  const counts = new Map<string, number>();
  for (const row of take('ecommerce_events', 50_000)) counts.set(String(row.event_type), (counts.get(String(row.event_type)) ?? 0) + 1);
  const views = counts.get('product_view') ?? 0;
  const carts = counts.get('add_to_cart') ?? 0;
  const purchases = counts.get('purchase') ?? 0;
  assert.ok((counts.get('page_view') ?? 0) > 0);
  assert.ok(views > 2 * carts && carts > purchases && purchases > 0, JSON.stringify(Object.fromEntries(counts)));
});

test('out-of-order, late and malformed shares come out near the configured rates', () => {
  const count = 40_000;
  const records = [...generateRecords('sales_orders', { count, seed: 5, outOfOrderRate: 0.1, lateRate: 0.02, malformedRate: 0.03 })];
  assert.equal(records.length, count);
  let maxTime = -Infinity;
  let behindSmall = 0;
  let behindLate = 0;
  let undecodable = 0;
  let badType = 0;
  let missing = 0;
  for (const record of records) {
    if (!('row' in record)) {
      undecodable++;
      assert.match(record.reason, /^undecodable payload: /);
      assert.throws(() => JSON.parse(record.raw));
      continue;
    }
    const row = record.row;
    if (typeof row.amount === 'string' || typeof row.quantity === 'string') badType++;
    if (!('event_time' in row) || !('amount' in row) || !('region' in row) || !('order_id' in row)) missing++;
    if (!(row.event_time instanceof Date)) continue;
    const t = row.event_time.getTime();
    if (t < maxTime - 100_000) behindLate++;
    else if (t < maxTime) behindSmall++;
    maxTime = Math.max(maxTime, t);
  }
  const share = (n: number): number => n / count;
  assert.ok(share(behindLate) > 0.015 && share(behindLate) < 0.025, `late ${share(behindLate)}`);
  assert.ok(share(behindSmall) > 0.07 && share(behindSmall) < 0.11, `out of order ${share(behindSmall)}`);
  for (const [name, n] of [['undecodable', undecodable], ['wrong type', badType], ['missing field', missing]] as const) {
    assert.ok(share(n) > 0.006 && share(n) < 0.015, `${name} ${share(n)}`);
  }
});

test('partitions split the count, keep ids unique and each move forward in time', () => {
  const rows = [...generateEvents('transactions', { count: 10_001, seed: 3, partitions: 4 })];
  assert.equal(rows.length, 10_001);
  assert.equal(new Set(rows.map((r) => r.txn_id)).size, 10_001);
});

test('the source pushes batches per partition, dead letters on the error port, and ends at count', async () => {
  const time = new ManualTime(0);
  const source = new GeneratorSource(spec({ dataset: 'user_events', count: 5000, seed: 9, partitions: 2, malformedRate: 0.05 }), context(time));
  const out: Batch[] = [];
  const errors: Batch[] = [];
  await source.run(async (batch, port) => { (port === 'error' ? errors : out).push(batch); }, new AbortController().signal);
  const rows = out.flatMap((b) => b.rows);
  const dead = errors.flatMap((b) => b.rows);
  assert.equal(rows.length + dead.length, 5000);
  assert.deepEqual(new Set(out.map((b) => b.partition)), new Set(['gen/0', 'gen/1']));
  assert.ok(out.every((b) => b.rows.length <= 1024));
  assert.ok(dead.length > 20);
  for (const letter of dead) {
    assert.equal(letter.port, 'error');
    assert.equal(letter.node, 'gen');
    assert.equal(typeof letter.payload, 'string');
    assert.ok(letter.at instanceof Date);
  }
  // The source delivers the same events as generateEvents, in the same order.
  assert.deepEqual(rows, [...generateEvents('user_events', { count: 5000, seed: 9, partitions: 2, malformedRate: 0.05 })]);
});

test('restoring positions continues with exactly the events an uninterrupted run produces', async () => {
  const config = { dataset: 'ecommerce_events' as const, count: 6000, seed: 11, partitions: 3, outOfOrderRate: 0.05, lateRate: 0.01, malformedRate: 0.01 };
  const collect = async (source: GeneratorSource, stopAfter = Infinity): Promise<Row[]> => {
    const rows: Row[] = [];
    const controller = new AbortController();
    let batches = 0;
    await source.run(async (batch, port) => {
      if (port !== 'error') rows.push(...batch.rows);
      if (++batches >= stopAfter) controller.abort();
    }, controller.signal);
    return rows;
  };
  const full = await collect(new GeneratorSource(spec(config), context(new ManualTime())));
  const first = new GeneratorSource(spec(config), context(new ManualTime()));
  const head = await collect(first, 2);
  const positions = JSON.parse(JSON.stringify(first.positions())) as Record<string, unknown>;
  assert.deepEqual(Object.keys(positions).sort(), ['gen/0', 'gen/1', 'gen/2']);
  const resumed = new GeneratorSource(spec(config), context(new ManualTime()));
  resumed.restore(positions);
  const tail = await collect(resumed);
  assert.ok(head.length > 0 && tail.length > 0);
  const key = (r: Row): string => String(r.event_id ?? JSON.stringify(r));
  assert.deepEqual([...head, ...tail].map(key).sort(), full.map(key).sort());
  // Timestamps survive too: the same events, not just the same ids.
  const byId = new Map(full.map((r) => [key(r), r]));
  for (const row of tail) assert.deepEqual(row, byId.get(key(row)));
});

test('at a set rate, the source waits on the injected timers', async () => {
  const time = new ManualTime(1_000_000);
  const source = new GeneratorSource(spec({ dataset: 'sensor_readings', count: 300, seed: 1, eventsPerSecond: 100 }), context(time));
  const seen: number[] = [];
  const done = source.run(async (batch) => { seen.push(batch.rows.length); }, new AbortController().signal);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.reduce((a, b) => a + b, 0), 5, 'only the first batch before time moves');
  for (let i = 0; i < 40; i++) {
    time.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  assert.equal(seen.reduce((a, b) => a + b, 0), 300);
  // 300 events at 100/s take about 3 s of (manual) time.
  assert.ok(time.now() - 1_000_000 >= 2900);
});

test('an unknown dataset is a clear error', () => {
  assert.throws(() => [...generateEvents('weather', { count: 1 })], /unknown dataset "weather"/);
  assert.throws(() => datasetSchema('weather'), (e: unknown) => (e as { code?: string }).code === 'ENG_GENERATOR_DATASET');
});

test('an unbounded generator at full speed still lets the event loop run (the studio host stays responsive)', { timeout: 120_000 }, async () => {
  const time = new ManualTime(0);
  const source = new GeneratorSource(spec({ dataset: 'sales_orders', seed: 3 }), context(time));
  const stop = new AbortController();
  let pushed = 0;
  // A macrotask scheduled after the run starts can only fire if the source yields; it stops the source.
  setImmediate(() => stop.abort());
  await source.run(async (batch) => { pushed += batch.rows.length; }, stop.signal);
  assert.ok(stop.signal.aborted);
  assert.ok(pushed > 0);
});
