import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualTime } from '../runtime/clock.ts';
import type { Batch, DeadLetter, Emit, PortName, Row } from '../runtime/types.ts';
import { FilterOperator } from './filter.ts';
import { DedupeOperator } from './dedupe.ts';
import { MapOperator } from './map.ts';
import { PreviewSink } from './preview.ts';

function collector(): { emit: Emit; rows: (port?: PortName) => Row[]; batches: { port: PortName; batch: Batch }[] } {
  const batches: { port: PortName; batch: Batch }[] = [];
  return {
    batches,
    emit: (port, batch) => batches.push({ port, batch }),
    rows: (port: PortName = 'out') => batches.filter((o) => o.port === port).flatMap((o) => o.batch.rows),
  };
}

const ctx = { nodeId: 'node-1', clock: new ManualTime(1_000) };

test('filter keeps only rows whose condition is TRUE; NULL and FALSE drop', () => {
  const op = new FilterOperator({ where: 'amount > 0 AND region IS NOT NULL' }, ctx);
  const c = collector();
  op.process({ rows: [{ amount: 5, region: 'eu' }, { amount: 0, region: 'eu' }, { amount: null, region: 'eu' }, { amount: 3, region: null }, { amount: 9, region: 'us' }], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows(), [{ amount: 5, region: 'eu' }, { amount: 9, region: 'us' }]);
  assert.deepEqual(c.rows('error'), []);
});

test('filter passes an all-kept batch through untouched, keeping partition and upsert key', () => {
  const op = new FilterOperator({ where: 'n >= 0' }, ctx);
  const c = collector();
  const batch: Batch = { rows: [{ n: 1 }, { n: 2 }], partition: 'orders/3', upsertKey: ['k'] };
  op.process(batch, c.emit);
  assert.equal(c.batches[0]?.batch, batch);
  op.process({ rows: [{ n: 1 }, { n: -2 }], partition: 'orders/3', upsertKey: ['k'] }, c.emit);
  // The dropped row was an update of key k = null: its key is retracted.
  assert.deepEqual(c.batches[1]?.batch, { rows: [{ n: 1 }], partition: 'orders/3', upsertKey: ['k'], retract: [{ k: null }] });
});

test('filter sends rows it cannot evaluate to the error port with reason, node and original payload', () => {
  const op = new FilterOperator({ where: "amount > 10" }, ctx);
  const c = collector();
  const bad = { amount: 'lots' };
  op.process({ rows: [{ amount: 50 }, bad], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows(), [{ amount: 50 }]);
  const [dead] = c.rows('error') as DeadLetter[];
  assert.equal(dead?.node, 'node-1');
  assert.equal(dead?.port, 'error');
  assert.equal(dead?.payload, bad);
  assert.match(dead?.reason ?? '', /^ENG_EXPR_\w+: /);
  assert.deepEqual(dead?.at, new Date(1_000));
});

test('map computes columns in config order and drops the rest by default', () => {
  const op = new MapOperator({ select: { region: 'upper(region)', amount: 'amount', is_big: 'amount >= 500' } }, ctx);
  const c = collector();
  op.process({ rows: [{ region: 'eu', amount: 700, other: 1 }], partition: 'p' }, c.emit);
  const [row] = c.rows();
  assert.deepEqual(row, { region: 'EU', amount: 700, is_big: true });
  assert.deepEqual(Object.keys(row as Row), ['region', 'amount', 'is_big']);
});

test('map with keepOthers keeps unselected columns and overrides selected ones', () => {
  const op = new MapOperator({ select: { total: 'quantity * unit_price', region: "coalesce(region, 'unknown')" }, keepOthers: true }, ctx);
  const c = collector();
  op.process({ rows: [{ id: 1, region: null, quantity: 2, unit_price: 2.5 }], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows(), [{ id: 1, region: 'unknown', quantity: 2, unit_price: 2.5, total: 5 }]);
});

test('map sends a row to the error port when any column fails, and emits no half row', () => {
  const op = new MapOperator({ select: { a: 'x + 1', b: 'substr(name, 1, 2)' } }, ctx);
  const c = collector();
  op.process({ rows: [{ x: 1, name: 'abc' }, { x: 'one', name: 'abc' }], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows(), [{ a: 2, b: 'ab' }]);
  assert.deepEqual((c.rows('error') as DeadLetter[]).map((d) => d.payload), [{ x: 'one', name: 'abc' }]);
});

test('preview sink keeps a bounded ring and replaces upserted rows by key', async () => {
  const sink = new PreviewSink(3);
  await sink.write({ rows: [{ k: 'a', v: 1 }, { k: 'b', v: 1 }], partition: 'p' });
  await sink.write({ rows: [{ k: 'a', v: 2 }], partition: 'p', upsertKey: ['k'] });
  assert.deepEqual(sink.preview(), [{ k: 'a', v: 2 }, { k: 'b', v: 1 }]);
  await sink.write({ rows: [{ k: 'c', v: 1 }, { k: 'd', v: 1 }], partition: 'p' });
  assert.deepEqual(sink.preview().map((r) => r.k), ['b', 'c', 'd']);
  await sink.commit({ id: 4, sources: {} }, await sink.prepare({ id: 4, sources: {} }));
  assert.deepEqual(await sink.close(), { rows: 5, replaced: 1, retracted: 0, lastCheckpointId: 4 });
});

test('preview sink removes retracted keys before applying the rows of the same batch; filters pass retractions on', async () => {
  const sink = new PreviewSink(10);
  const at = (ms: number): Date => new Date(ms);
  await sink.write({ rows: [{ k: 'a', window_start: at(0), v: 1 }, { k: 'a', window_start: at(20), v: 1 }, { k: 'b', window_start: at(0), v: 1 }], partition: 'p' });
  const merged = { rows: [{ k: 'a', window_start: at(0), v: 3 }], partition: 'p', upsertKey: ['k', 'window_start'], retract: [{ k: 'a', window_start: at(20) }] };
  const filter = new FilterOperator({ where: 'v > 0' }, ctx);
  const c = collector();
  filter.process({ ...merged, rows: [...merged.rows, { k: 'z', window_start: at(0), v: 0 }] }, c.emit);
  assert.equal(c.batches.length, 1);
  assert.deepEqual(c.batches[0]?.batch.retract, [...merged.retract, { k: 'z', window_start: at(0) }]);
  await sink.write(c.batches[0]?.batch as Batch);
  assert.deepEqual(sink.preview(), [{ k: 'a', window_start: at(0), v: 3 }, { k: 'b', window_start: at(0), v: 1 }]);
  assert.equal((await sink.close()).retracted, 1);
});

test('a filter retracts the keys of re-emitted (upsert) rows it drops, and passes a batch of retractions alone', () => {
  const filter = new FilterOperator({ where: 'avg_amount >= 10' }, ctx);
  const c = collector();
  const upsertKey = ['region', 'window_start'];
  const at = new Date(0);
  filter.process({ rows: [{ region: 'eu', window_start: at, avg_amount: 5 }, { region: 'us', window_start: at, avg_amount: 12 }], partition: 'p', upsertKey, retract: [{ region: 'x', window_start: at }] }, c.emit);
  filter.process({ rows: [{ region: 'eu', window_start: at, avg_amount: 4 }], partition: 'p', upsertKey }, c.emit);
  // A first emission (no upsert key) that does not pass has nothing to retract.
  filter.process({ rows: [{ region: 'eu', window_start: at, avg_amount: 1 }], partition: 'p' }, c.emit);
  assert.deepEqual(c.batches.map((o) => [o.batch.rows.map((r) => r.region), o.batch.retract]), [
    [['us'], [{ region: 'x', window_start: at }, { region: 'eu', window_start: at }]],
    [[], [{ region: 'eu', window_start: at }]],
  ]);
});

test('dedupe by event time: duplicates within the horizon drop, state is bounded by the horizon', () => {
  const op = new DedupeOperator({ key: 'order_id', time: 't', horizon: '10s' }, ctx);
  const c = collector();
  const e = (id: number, t: number): Row => ({ order_id: id, t: new Date(t) });
  op.process({ rows: [e(1, 0), e(2, 1_000), e(1, 5_000), e(1, 10_000)], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows().map((r) => [r.order_id, (r.t as Date).getTime()]), [[1, 0], [2, 1_000]]);
  op.process({ rows: [e(1, 10_001), e(3, 30_000)], partition: 'p' }, c.emit);
  assert.deepEqual(c.rows().slice(2).map((r) => r.order_id), [1, 3], 'past the horizon the key counts as new');
  assert.equal(op.size(), 1, 'keys older than the horizon behind the newest event are forgotten');
  for (let i = 0; i < 1000; i++) op.process({ rows: [e(100 + i, 30_000 + i * 1000)], partition: 'p' }, c.emit);
  assert.ok(op.size() <= 11, `${op.size()} keys kept for a 10 s horizon at 1 event/s`);
});

test('dedupe by processing time uses the injected clock, and restores exactly', () => {
  const time = new ManualTime(0);
  const op = new DedupeOperator({ key: "concat(user, '/', cast(n AS STRING))", horizon: '1m' }, { nodeId: 'd', clock: time });
  const c = collector();
  op.process({ rows: [{ user: 'a', n: 1 }, { user: 'a', n: 1 }, { user: 'a', n: 2 }], partition: 'p' }, c.emit);
  assert.equal(c.rows().length, 2);
  const copy = new DedupeOperator({ key: "concat(user, '/', cast(n AS STRING))", horizon: '1m' }, { nodeId: 'd', clock: time });
  copy.restore(JSON.parse(JSON.stringify(op.snapshot())));
  time.advance(59_000);
  copy.process({ rows: [{ user: 'a', n: 1 }], partition: 'p' }, c.emit);
  assert.equal(c.rows().length, 2, 'still a duplicate after the restore');
  time.advance(2_000);
  copy.tick(time.now());
  assert.equal(copy.size(), 0);
  copy.process({ rows: [{ user: 'a', n: 1 }, { user: 'b' }], partition: 'p' }, c.emit);
  assert.equal(c.rows().length, 4);
});

test('dedupe sends rows without a readable time or key to the error port', () => {
  const op = new DedupeOperator({ key: 'id + 1', time: 't', horizon: '1m' }, ctx);
  const c = collector();
  op.process({ rows: [{ id: 1 }, { id: 'x', t: 5 }, { id: 2, t: 5 }], partition: 'p' }, c.emit);
  assert.equal(c.rows().length, 1);
  assert.equal(c.rows('error').length, 2);
});

test('map carries an upsert key it keeps, maps retracted keys like rows, and drops a key whose column it drops', () => {
  const upsertKey = ['region', 'window_start'];
  const start = new Date(0);
  const batch: Batch = { partition: 'w', upsertKey, rows: [{ region: 'eu', window_start: start, n: 3 }], retract: [{ region: 'eu', window_start: new Date(60_000) }] };
  const outOf = (op: MapOperator): Batch[] => {
    const out: Batch[] = [];
    op.process(batch, (_port, b) => out.push(b));
    return out;
  };
  const upper = outOf(new MapOperator({ select: { region: 'upper(region)', window_start: 'window_start', n: 'n * 2' } }, ctx));
  assert.deepEqual(upper[0]?.upsertKey, upsertKey);
  assert.deepEqual(upper[0]?.rows, [{ region: 'EU', window_start: start, n: 6 }]);
  assert.deepEqual(upper[0]?.retract, [{ region: 'EU', window_start: new Date(60_000) }], 'the retracted key names the row the sink holds');

  const kept = outOf(new MapOperator({ select: { doubled: 'n * 2' }, keepOthers: true }, ctx));
  assert.deepEqual(kept[0]?.retract, [{ region: 'eu', window_start: new Date(60_000) }]);

  const dropped = outOf(new MapOperator({ select: { region: 'region', n: 'n' } }, ctx));
  assert.equal(dropped[0]?.upsertKey, undefined, 'without window_start nothing downstream can match rows by that key');
  assert.equal(dropped[0]?.retract, undefined);
});
