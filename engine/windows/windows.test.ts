import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HoppingConfig, SessionConfig, TumblingConfig } from '../format/pipeline.ts';
import { decodeState, encodeState } from '../runtime/checkpoint.ts';
import { ManualTime } from '../runtime/clock.ts';
import type { Batch, DeadLetter, Emit, OperatorInstance, PortName, Row } from '../runtime/types.ts';
import { PreviewSink } from '../operators/preview.ts';
import { FixedWindowOperator } from './fixed.ts';
import { SessionWindowOperator } from './session.ts';
import { eventTimeMs } from './time.ts';

const S = 1000;
const M = 60_000;

interface Out { port: PortName; rows: Row[]; upsertKey?: readonly string[]; retract?: readonly Row[] }

function collector(): { emit: Emit; out: Out[]; rows: (port?: PortName) => Row[] } {
  const out: Out[] = [];
  return {
    out,
    emit: (port, batch) => out.push({ port, rows: batch.rows, upsertKey: batch.upsertKey, ...(batch.retract ? { retract: batch.retract } : {}) }),
    rows: (port: PortName = 'out') => out.filter((o) => o.port === port).flatMap((o) => o.rows),
  };
}

function b(rows: Row[], partition = 'p0'): Batch {
  return { rows, partition };
}

const ev = (t: number, region = 'eu', amount = 1, extra: Row = {}): Row => ({ t: new Date(t), region, amount, ...extra });

function tumbling(config: Partial<TumblingConfig> = {}, time = new ManualTime(0)): FixedWindowOperator {
  const c: TumblingConfig = { time: 't', size: '1m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)' }, ...config };
  return new FixedWindowOperator(c, 60_000, 60_000, { nodeId: 'win', clock: time });
}

function sessions(config: Partial<SessionConfig> = {}, time = new ManualTime(0)): SessionWindowOperator {
  const c: SessionConfig = { time: 't', gap: '10s', groupBy: ['region'], aggregates: { n: 'count(*)' }, ...config };
  return new SessionWindowOperator(c, 10 * S, { nodeId: 'win', clock: time });
}

const win = (row: Row | undefined): [number, number] => [(row?.window_start as Date).getTime(), (row?.window_end as Date).getTime()];

test('time values: Date, epoch ms, ISO strings with fast and strict paths', () => {
  assert.equal(eventTimeMs(new Date(5)), 5);
  assert.equal(eventTimeMs(1767225600000), 1767225600000);
  assert.equal(eventTimeMs('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(eventTimeMs('2026-01-01T10:20:30.5Z'), Date.UTC(2026, 0, 1, 10, 20, 30, 500));
  assert.equal(eventTimeMs('2026-01-01T10:20:30.123Z'), Date.UTC(2026, 0, 1, 10, 20, 30, 123));
  assert.equal(eventTimeMs('2026-01-02T10:20:30.123Z'), Date.UTC(2026, 0, 2, 10, 20, 30, 123));
  assert.equal(eventTimeMs('2026-01-01T10:20:30+02:00'), Date.UTC(2026, 0, 1, 8, 20, 30));
  assert.equal(eventTimeMs('2026-01-01 10:20:30'), Date.UTC(2026, 0, 1, 10, 20, 30));
  assert.ok(Number.isNaN(eventTimeMs('2026-01-01T25:00:00Z')));
  assert.ok(Number.isNaN(eventTimeMs('2026-02-30T00:00:00Z')));
  assert.ok(Number.isNaN(eventTimeMs('yesterday')));
  assert.ok(Number.isNaN(eventTimeMs(null)));
  assert.ok(Number.isNaN(eventTimeMs(Number.NaN)));
});

test('tumbling: a window emits exactly when the watermark reaches its end; rows carry group, bounds, aggregates in order', () => {
  const op = tumbling();
  const c = collector();
  op.process(b([ev(0), ev(59_999, 'eu', 2), ev(30 * S, 'us', 5)]), c.emit);
  assert.deepEqual(c.rows(), []);
  op.process(b([ev(59_999, 'us', 1)]), c.emit);
  assert.deepEqual(c.rows(), [], 'watermark 59.999 s has not reached the end 60 s');
  op.process(b([ev(60_000, 'eu', 7)]), c.emit);
  const rows = c.rows();
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0] as Row), ['region', 'window_start', 'window_end', 'n', 'total']);
  assert.deepEqual(rows.map((r) => [r.region, ...win(r), r.n, r.total]), [['eu', 0, M, 2, 3], ['us', 0, M, 2, 6]]);
  op.finish(c.emit);
  assert.deepEqual(c.rows().slice(2).map((r) => [r.region, ...win(r), r.n, r.total]), [['eu', M, 2 * M, 1, 7]]);
});

test('tumbling: out-of-order events within the watermark delay still count', () => {
  const op = tumbling({ watermarkDelay: '5s' });
  const c = collector();
  op.process(b([ev(10 * S), ev(62 * S)]), c.emit);
  assert.equal(op.watermark(), 57 * S);
  op.process(b([ev(55 * S)]), c.emit);
  assert.deepEqual(c.rows(), []);
  op.process(b([ev(65 * S)]), c.emit);
  assert.deepEqual(c.rows().map((r) => [r.n, ...win(r)]), [[2, 0, M]], '10 s and the out-of-order 55 s; 62 s belongs to the next window');
  assert.deepEqual(c.rows('late'), []);
});

test('tumbling: late within allowed lateness re-emits with an upsert key; beyond goes to the late port', () => {
  const op = tumbling({ allowedLateness: '30s' });
  const c = collector();
  op.process(b([ev(10 * S, 'eu', 1), ev(70 * S, 'eu', 1)]), c.emit);
  assert.deepEqual(c.rows().map((r) => r.n), [1]);
  assert.equal(c.out[0]?.upsertKey, undefined, 'a first emission is a plain insert');
  op.process(b([ev(50 * S, 'eu', 10), ev(40 * S, 'us', 4)]), c.emit);
  const re = c.out.at(-1) as Out;
  assert.deepEqual(re.upsertKey, ['region', 'window_start']);
  assert.deepEqual(re.rows.map((r) => [r.region, r.n, r.total, ...win(r)]), [['eu', 2, 11, 0, M], ['us', 1, 4, 0, M]]);
  // Watermark 90 s = end 60 s + lateness 30 s: the window is gone for good.
  op.process(b([ev(90 * S, 'eu', 1)]), c.emit);
  op.process(b([ev(59 * S, 'eu', 100)]), c.emit);
  const late = c.rows('late') as DeadLetter[];
  assert.equal(late.length, 1);
  assert.equal(late[0]?.port, 'late');
  assert.equal(late[0]?.node, 'win');
  assert.equal((late[0]?.payload as Row).amount, 100);
  assert.match(late[0]?.reason ?? '', /beyond the allowed lateness/);
  // The window of 60..120 s keeps counting; nothing else changed.
  op.finish(c.emit);
  assert.deepEqual(c.rows().filter((r) => win(r)[0] === M).map((r) => [r.region, r.n]), [['eu', 2]]);
});

test('tumbling: exactly at end + lateness an event is late, one ms before it is accepted', () => {
  const op = tumbling({ allowedLateness: '10s' });
  const c = collector();
  op.process(b([ev(0), ev(70 * S - 1)]), c.emit);
  op.process(b([ev(1 * S)]), c.emit);
  assert.deepEqual(c.rows('late'), []);
  op.process(b([ev(70 * S)]), c.emit);
  op.process(b([ev(2 * S)]), c.emit);
  assert.equal(c.rows('late').length, 1);
});

test('idle partitions do not stall the watermark (processing time via ManualTime)', () => {
  const time = new ManualTime(0);
  const op = tumbling({ idleTimeout: '10s' }, time);
  const c = collector();
  op.process(b([ev(0)], 'p1'), c.emit);
  op.process(b([ev(10 * S), ev(130 * S)], 'p0'), c.emit);
  assert.equal(op.watermark(), 0, 'the slow partition holds the watermark');
  assert.deepEqual(c.rows(), []);
  assert.match(String((op.explain() as { summary: string }).summary), /held back by partition p1/);
  time.advance(9_999);
  op.tick(time.now(), c.emit);
  assert.deepEqual(c.rows(), [], 'not idle yet');
  time.advance(1);
  op.process(b([ev(131 * S)], 'p0'), c.emit);
  assert.equal(op.watermark(), 131 * S);
  assert.deepEqual(c.rows().map((r) => win(r)), [[0, M]], 'window 1..2 min has no events; window 2..3 min is still open');
  // The idle partition wakes up: it counts again but the watermark never goes back.
  op.process(b([ev(125 * S)], 'p1'), c.emit);
  assert.equal(op.watermark(), 131 * S);
});

test('restored partitions are not idle while the restarted source has not delivered yet', () => {
  const time = new ManualTime(0);
  const first = tumbling({ idleTimeout: '10s' }, time);
  const c = collector();
  first.process(b([ev(10 * S)], 'p0'), c.emit);
  first.process(b([ev(200 * S)], 'p1'), c.emit);
  assert.equal(first.watermark(), 10 * S);

  const restored = tumbling({ idleTimeout: '10s' }, time);
  restored.restore(decodeState(encodeState(first.snapshot())));
  // the restarted consumer waits a minute for its partitions: no idleness is counted meanwhile
  time.advance(60 * S);
  const d = collector();
  restored.tick(time.now(), d.emit);
  assert.deepEqual(d.rows(), [], 'the watermark did not jump to p1');
  assert.equal(restored.watermark(), 10 * S);
  restored.process(b([ev(201 * S)], 'p1'), d.emit);
  restored.process(b([ev(20 * S)], 'p0'), d.emit);
  assert.deepEqual(d.rows('late'), [], "p0's next event is on time");
  assert.deepEqual(d.rows(), []);
  // from the first batch on, idleness counts as usual
  time.advance(10 * S);
  restored.process(b([ev(202 * S)], 'p1'), d.emit);
  assert.deepEqual(d.rows().map((r) => [win(r)[0], r.n]), [[0, 2]]);
});

test('an announced partition holds the watermark until it delivers: a fast partition cannot make its events late', () => {
  for (const make of [(time: ManualTime) => tumbling({ idleTimeout: '10s' }, time), (time: ManualTime) => sessions({ idleTimeout: '10s' }, time)]) {
    const time = new ManualTime(0);
    const op = make(time);
    const c = collector();
    op.announce('p0');
    op.announce('p1');
    // p0's first fetch is minutes of event time ahead of p1's first event.
    op.process(b([ev(10 * S), ev(300 * S)], 'p0'), c.emit);
    assert.equal(op.watermark(), null, 'p1 has not delivered: the watermark has not started');
    assert.match(String((op.explain() as { summary: string }).summary), /has not started: it waits for partition p1, which has events to come/);
    op.process(b([ev(20 * S)], 'p1'), c.emit);
    assert.deepEqual(c.rows('late'), [], "p1's events are on time");
    assert.equal(op.watermark(), 20 * S);
    // A restore keeps the partitions that delivered; announcing a known partition changes nothing.
    op.announce('p1');
    assert.equal(op.watermark(), 20 * S);
  }
});

test('an announced partition that never delivers stops holding once idle; it is not saved', () => {
  const time = new ManualTime(0);
  const op = tumbling({ idleTimeout: '10s' }, time);
  const c = collector();
  op.announce('p0');
  op.announce('p1');
  op.process(b([ev(10 * S), ev(130 * S)], 'p0'), c.emit);
  assert.equal(op.watermark(), null);
  const explained = (op.explain() as { partitions: { partition: string; maxEventTime: number | null }[] }).partitions;
  assert.deepEqual(explained.map((p) => [p.partition, p.maxEventTime]), [['p0', 130 * S], ['p1', null]]);
  const saved = op.snapshot() as { watermark: { partitions: unknown[] } };
  assert.deepEqual(saved.watermark.partitions, [['p0', 130 * S]]);
  time.advance(10 * S);
  op.tick(time.now(), c.emit);
  assert.equal(op.watermark(), 130 * S);
  assert.deepEqual(c.rows().map((r) => win(r)), [[0, M]]);
});

test('a partition with a backlog never goes idle, however long it takes to deliver; caught up, its idle clock runs from its latest batch', () => {
  for (const make of [(time: ManualTime) => tumbling({ idleTimeout: '10s' }, time), (time: ManualTime) => sessions({ idleTimeout: '10s' }, time)]) {
    const time = new ManualTime(0);
    const op = make(time);
    const c = collector();
    // p1 has events at hand but the group gives it to a killed member for a while (or a sink stalls the run).
    op.announce('p0', true);
    op.announce('p1', true);
    op.process(b([ev(10 * S)], 'p0'), c.emit);
    op.process(b([ev(20 * S)], 'p1'), c.emit);
    op.process(b([ev(300 * S)], 'p0'), c.emit);
    time.advance(600 * S);
    op.tick(time.now(), c.emit);
    op.process(b([ev(400 * S)], 'p0'), c.emit);
    assert.equal(op.watermark(), 20 * S, 'p1 holds the watermark after 10 minutes without a batch');
    assert.ok((op.explain() as { partitions: { idle: boolean }[] }).partitions.every((p) => !p.idle));
    op.process(b([ev(30 * S)], 'p1'), c.emit);
    assert.deepEqual(c.rows('late'), [], "p1's events are on time");
    // p1 caught up: idle 10 s after its latest batch, not after the signal.
    time.advance(5 * S);
    op.announce('p1', false);
    time.advance(4_999);
    op.tick(time.now(), c.emit);
    assert.equal(op.watermark(), 30 * S);
    time.advance(1);
    op.tick(time.now(), c.emit);
    assert.equal(op.watermark(), 400 * S, 'p1 is idle: p0 alone counts');
  }
  // Without a backlog (the source cannot tell), the idle clock runs as before.
  const time = new ManualTime(0);
  const op = tumbling({ idleTimeout: '10s' }, time);
  const c = collector();
  op.announce('p0');
  op.process(b([ev(10 * S)], 'p0'), c.emit);
  op.process(b([ev(300 * S)], 'p1'), c.emit);
  time.advance(10 * S);
  op.tick(time.now(), c.emit);
  assert.equal(op.watermark(), 300 * S);
});

test('a caught-up partition the window does not know is not added; backlogs are not saved', () => {
  const time = new ManualTime(0);
  const op = tumbling({ idleTimeout: '10s' }, time);
  const c = collector();
  op.announce('empty', false);
  op.process(b([ev(10 * S)], 'p0'), c.emit);
  assert.equal(op.watermark(), 10 * S, 'an empty partition holds nothing');
  op.announce('p1', true);
  op.process(b([ev(20 * S)], 'p1'), c.emit);
  const restored = tumbling({ idleTimeout: '10s' }, time);
  restored.restore(decodeState(encodeState(op.snapshot())));
  restored.process(b([ev(90 * S)], 'p0'), c.emit);
  time.advance(10 * S);
  restored.tick(time.now(), c.emit);
  assert.equal(restored.watermark(), 90 * S, 'restored without its backlog, p1 went idle (the source announces it again)');
});

test('idle detection by tick alone closes windows when the whole stream pauses', () => {
  const time = new ManualTime(0);
  const op = tumbling({ idleTimeout: '5s', watermarkDelay: '10s' }, time);
  const c = collector();
  op.process(b([ev(0)], 'p0'), c.emit);
  op.process(b([ev(65 * S)], 'p1'), c.emit);
  time.advance(5 * S);
  op.process(b([ev(66 * S)], 'p1'), c.emit);
  assert.deepEqual(c.rows(), [], 'p0 is idle, p1 alone gives 66 s - 10 s: window 0..60 s still open');
  op.process(b([ev(75 * S)], 'p1'), c.emit);
  assert.deepEqual(c.rows().map((r) => win(r)), [[0, M]]);
  const ex = op.explain() as { openCount: number; openWindows: { closesAt: number }[] };
  assert.equal(ex.openCount, 1);
  assert.equal(ex.openWindows[0]?.closesAt, 2 * M);
});

test('hopping: each event lands in size/slide overlapping windows', () => {
  const config: HoppingConfig = { time: 't', size: '10s', slide: '5s', aggregates: { n: 'count(*)' } };
  const op = new FixedWindowOperator(config, 10 * S, 5 * S, { nodeId: 'hop', clock: new ManualTime(0) });
  const c = collector();
  const times = [0, 4_999, 5_000, 7_000, 12_000, 19_999];
  op.process(b(times.map((t) => ev(t))), c.emit);
  op.finish(c.emit);
  const got = c.rows().map((r) => [...win(r), r.n]);
  const expected: number[][] = [];
  for (let start = -5_000; start <= 15_000; start += 5_000) {
    const n = times.filter((t) => t >= start && t < start + 10_000).length;
    if (n > 0) expected.push([start, start + 10_000, n]);
  }
  assert.deepEqual(got, expected);
  assert.equal(got.reduce((s, r) => s + (r[2] as number), 0), times.length * 2, 'every event counted twice');
});

test('aggregates: count(x), count(distinct x), avg, min, max, first and last by event time', () => {
  const config: TumblingConfig = {
    time: 't', size: '1m',
    aggregates: { all: 'count(*)', with_x: 'count(x)', users: 'count(distinct user)', avg_x: 'avg(x)', lo: 'min(x)', hi: 'max(x)', first_user: 'first(user)', last_user: 'last(user)', first_t: 'min(t)' },
  };
  const op = new FixedWindowOperator(config, M, M, { nodeId: 'w', clock: new ManualTime(0) });
  const c = collector();
  op.process(b([
    { t: new Date(30 * S), x: 4, user: 'b' },
    { t: new Date(10 * S), x: null, user: 'a' },
    { t: new Date(50 * S), x: 10, user: 'c' },
    { t: new Date(20 * S), x: 1, user: 'b' },
    { t: new Date(50 * S), x: 7, user: 'd' },
  ]), c.emit);
  op.finish(c.emit);
  const [row] = c.rows();
  assert.deepEqual({ ...row, window_start: undefined, window_end: undefined }, {
    window_start: undefined, window_end: undefined, all: 5, with_x: 4, users: 4, avg_x: 5.5, lo: 1, hi: 10, first_user: 'a', last_user: 'd', first_t: new Date(10 * S),
  });
});

test('aggregates: sums of nothing are NULL, missing and inherited-looking columns read only the row\'s own fields, nested columns', () => {
  const config: TumblingConfig = {
    time: 't', size: '1m', groupBy: ['g'],
    aggregates: { total: 'sum(x)', n: 'count(x)', own: 'count(constructor)', deep: 'sum(a.b)', mean: 'avg(x)' },
  };
  const op = new FixedWindowOperator(config, M, M, { nodeId: 'w', clock: new ManualTime(0) });
  const c = collector();
  op.process(b([
    { t: new Date(1 * S), g: 'none' },
    { t: new Date(2 * S), g: 'none', x: null, a: { b: null } },
    { t: new Date(3 * S), g: 'some', x: 2.5, constructor: 1, a: { b: 4 } },
    { t: new Date(4 * S), g: 'some', x: 0.25, a: { b: 1 } },
  ]), c.emit);
  op.finish(c.emit);
  assert.deepEqual(c.rows().map((r) => [r.g, r.total, r.n, r.own, r.deep, r.mean]), [['none', null, 0, 0, null, null], ['some', 2.75, 2, 1, 5, 1.375]]);
  // Restored from a checkpoint, a sum of nothing is still NULL and a sum goes on from its value.
  const again = new FixedWindowOperator(config, M, M, { nodeId: 'w', clock: new ManualTime(0) });
  const first = new FixedWindowOperator(config, M, M, { nodeId: 'w', clock: new ManualTime(0) });
  first.process(b([{ t: new Date(1 * S), g: 'none' }, { t: new Date(3 * S), g: 'some', x: 2.5 }]), collector().emit);
  again.restore(decodeState(encodeState(first.snapshot())));
  const c2 = collector();
  again.process(b([{ t: new Date(4 * S), g: 'some', x: 0.25 }]), c2.emit);
  again.finish(c2.emit);
  assert.deepEqual(c2.rows().map((r) => [r.g, r.total, r.n]), [['none', null, 0], ['some', 2.75, 2]]);
});

test('bad time values and bad aggregate inputs go to the error port with reason and payload', () => {
  const op = tumbling();
  const c = collector();
  op.process(b([{ region: 'eu', amount: 1 }, { t: 'not a time', region: 'eu', amount: 1 }, { t: '2026-01-01T00:00:00Z', region: 'eu', amount: 'ten' }, { t: 1000, region: 'eu', amount: 2 }]), c.emit);
  op.finish(c.emit);
  const errors = c.rows('error') as DeadLetter[];
  assert.equal(errors.length, 3);
  assert.match(errors[0]?.reason ?? '', /^time field "t" is missing, not a timestamp/);
  assert.match(errors[1]?.reason ?? '', /^time field "t" is string 'not a time', not a timestamp/);
  assert.match(errors[2]?.reason ?? '', /^ENG_EXPR_TYPE: sum\(amount\) needs a number/);
  assert.deepEqual(errors.map((e) => (e.payload as Row).amount), [1, 1, 'ten']);
  assert.deepEqual(c.rows().map((r) => r.total), [2]);
});

test('tumbling, hopping and session windows refuse the same rows for the same reasons, each once', () => {
  const aggregates = { n: 'count(*)', total: 'sum(amount)', top: 'max(label)' };
  const make: Record<string, () => OperatorInstance> = {
    tumbling: () => tumbling({ aggregates }),
    // Every event is in three windows: a value max cannot order against them is still refused once.
    hopping: () => new FixedWindowOperator({ time: 't', size: '3m', slide: '1m', groupBy: ['region'], aggregates } satisfies HoppingConfig, 3 * M, M, { nodeId: 'win', clock: new ManualTime(0) }),
    session: () => new SessionWindowOperator({ time: 't', gap: '10s', groupBy: ['region'], aggregates } satisfies SessionConfig, 10 * S, { nodeId: 'win', clock: new ManualTime(0) }),
  };
  const rows: Row[] = [ev(1000, 'eu', 5, { label: 1 }), { region: 'eu', amount: 1 }, ev(2000, 'eu', 'ten' as unknown as number), ev(3000, 'eu', 7, { label: 'x' }), ev(4000, 'eu', 2, { label: 3 })];
  const reasons: Record<string, string[]> = {};
  for (const [kind, create] of Object.entries(make)) {
    const op = create();
    const c = collector();
    op.process(b(rows), c.emit);
    op.finish(c.emit);
    const errors = c.rows('error') as DeadLetter[];
    reasons[kind] = errors.map((e) => e.reason.replace(/\(in .*$/, ''));
    assert.deepEqual(errors.map((e) => e.payload), [rows[1], rows[2], rows[3]], kind);
    for (const e of errors) assert.equal(e.node, 'win');
    assert.ok(c.rows().length > 0 && c.rows().every((r) => r.n === 2 && r.total === 7 && r.top === 3), `${kind}: ${JSON.stringify(c.rows())}`);
  }
  assert.match(reasons.tumbling?.[0] ?? '', /^time field "t" is missing/);
  assert.match(reasons.tumbling?.[1] ?? '', /^ENG_EXPR_TYPE: sum\(amount\) needs a number/);
  assert.match(reasons.tumbling?.[2] ?? '', /^ENG_EXPR_TYPE: max\(label\) got string 'x' in a window that holds number 1/);
  assert.deepEqual(reasons.hopping, reasons.tumbling);
  assert.deepEqual(reasons.session, reasons.tumbling);
});

test('session windows: gap splits, a late event bridging two sessions merges them', () => {
  const config: SessionConfig = { time: 't', gap: '10s', watermarkDelay: '1m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)', last: 'last(amount)' } };
  const op = new SessionWindowOperator(config, 10 * S, { nodeId: 's', clock: new ManualTime(0) });
  const c = collector();
  op.process(b([ev(0, 'eu', 1), ev(15 * S, 'eu', 2), ev(3 * S, 'us', 5)]), c.emit);
  assert.equal((op.explain() as { openCount: number }).openCount, 3);
  op.process(b([ev(8 * S, 'eu', 4)]), c.emit);
  assert.equal((op.explain() as { openCount: number }).openCount, 2, 'the eu sessions merged');
  op.process(b([ev(40 * S, 'eu', 8)]), c.emit);
  op.finish(c.emit);
  assert.deepEqual(c.rows().map((r) => [r.region, ...win(r), r.n, r.total, r.last]), [
    ['us', 3 * S, 13 * S, 1, 5, 5],
    ['eu', 0, 25 * S, 3, 7, 2],
    ['eu', 40 * S, 50 * S, 1, 8, 8],
  ]);
});

test('session windows: late update within lateness re-emits; beyond goes to late', () => {
  const config: SessionConfig = { time: 't', gap: '10s', allowedLateness: '30s', aggregates: { n: 'count(*)' } };
  const op = new SessionWindowOperator(config, 10 * S, { nodeId: 's', clock: new ManualTime(0) });
  const c = collector();
  op.process(b([ev(0), ev(20 * S)]), c.emit);
  assert.deepEqual(c.rows().map((r) => [...win(r), r.n]), [[0, 10 * S, 1]]);
  op.process(b([ev(5 * S)]), c.emit);
  assert.deepEqual(c.out.at(-1)?.upsertKey, ['window_start']);
  assert.deepEqual(c.out.at(-1)?.rows.map((r) => [...win(r), r.n]), [[0, 15 * S, 2]]);
  op.process(b([ev(60 * S)]), c.emit);
  op.process(b([ev(1 * S)]), c.emit);
  assert.equal(c.rows('late').length, 1);
});

test('session windows: a late event merging emitted sessions, or moving a start earlier, retracts the rows it replaces', async () => {
  const config: SessionConfig = { time: 't', gap: '10s', allowedLateness: '1m', groupBy: ['region'], aggregates: { n: 'count(*)' } };
  const op = new SessionWindowOperator(config, 10 * S, { nodeId: 's', clock: new ManualTime(0) });
  const sink = new PreviewSink(100);
  const c = collector();
  const run = async (events: Row[]): Promise<Row[]> => {
    const from = c.out.length;
    op.process(b(events), c.emit);
    for (const o of c.out.slice(from)) if (o.port === 'out') await sink.write({ rows: o.rows, partition: 's', ...(o.upsertKey ? { upsertKey: o.upsertKey } : {}), ...(o.retract ? { retract: o.retract } : {}) });
    return sink.preview().map((r) => [r.region, ...win(r), r.n]) as unknown as Row[];
  };
  // Sessions [0, 10s) and [15s, 25s) close at watermark 40s.
  assert.deepEqual(await run([ev(0), ev(15 * S), ev(40 * S, 'us')]), [['eu', 0, 10 * S, 1], ['eu', 15 * S, 25 * S, 1]]);
  // 8s bridges them into [0, 25s): the [15s, 25s) row is retracted, not left behind.
  assert.deepEqual(await run([ev(8 * S)]), [['eu', 0, 25 * S, 3]]);
  assert.deepEqual(c.out.at(-1)?.retract, [{ region: 'eu', window_start: new Date(15 * S) }]);
  // -5s moves the start earlier: the row under start 0 is retracted for the one under -5s.
  assert.deepEqual(await run([ev(-5 * S)]), [['eu', -5 * S, 25 * S, 4]]);
  // At watermark 70s: [45s, 55s) and [60s, 70s) are emitted late; 63s reopens the second as [60s, 73s),
  // and 52s then merges both into one open session. Until it closes the sink keeps the two old rows…
  await run([ev(70 * S, 'us'), ev(45 * S), ev(60 * S)]);
  await run([ev(63 * S)]);
  await run([ev(52 * S)]);
  const eu = (): unknown[] => sink.preview().filter((r) => r.region === 'eu').map((r) => [...win(r), r.n]);
  assert.deepEqual(eu(), [[-5 * S, 25 * S, 4], [45 * S, 55 * S, 1], [60 * S, 70 * S, 1]]);
  // …and once it closes, exactly one row for it.
  await run([ev(200 * S, 'us')]);
  assert.deepEqual(eu(), [[-5 * S, 25 * S, 4], [45 * S, 73 * S, 4]]);
});

test('session windows: after any order of late events and a restore, the sink holds exactly the sessions of all events', async () => {
  const config: SessionConfig = { time: 't', gap: '5s', watermarkDelay: '2s', allowedLateness: '1h', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)' } };
  const make = (): OperatorInstance => new SessionWindowOperator(config, 5 * S, { nodeId: 's', clock: new ManualTime(0) });
  let seed = 5;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const batches: Batch[] = [];
  let t = 0;
  for (let i = 0; i < 80; i++) {
    const rows: Row[] = [];
    for (let j = 0; j < 10; j++) {
      t += rand(3000);
      // Some events arrive up to 40 s late: they land between, before and across emitted sessions.
      rows.push(ev(Math.max(0, t - (rand(6) === 0 ? rand(40_000) : 0)), ['eu', 'us'][rand(2)], 1 + rand(9)));
    }
    batches.push(b(rows));
  }
  const expected: string[] = [];
  for (const region of ['eu', 'us']) {
    const times = batches.flatMap((x) => x.rows).filter((r) => r.region === region).map((r) => [(r.t as Date).getTime(), r.amount as number]).sort((x, y) => (x[0] as number) - (y[0] as number));
    let cur: number[] | null = null;
    for (const [time, amount] of times as [number, number][]) {
      if (cur && time < (cur[1] as number)) {
        cur[1] = time + 5 * S;
        cur[2] = (cur[2] as number) + 1;
        cur[3] = (cur[3] as number) + amount;
      } else {
        if (cur) expected.push(JSON.stringify([region, ...cur]));
        cur = [time, time + 5 * S, 1, amount];
      }
    }
    if (cur) expected.push(JSON.stringify([region, ...cur]));
  }
  const sinkRows = async (outs: Out[]): Promise<string[]> => {
    const sink = new PreviewSink(10_000);
    for (const o of outs) if (o.port === 'out') await sink.write({ rows: o.rows, partition: 's', ...(o.upsertKey ? { upsertKey: o.upsertKey } : {}), ...(o.retract ? { retract: o.retract } : {}) });
    return sink.preview().map((r) => JSON.stringify([r.region, ...win(r), r.n, r.total])).sort();
  };
  const whole = make();
  const c = collector();
  for (const batch of batches) whole.process(batch, c.emit);
  whole.finish(c.emit);
  assert.ok(c.out.some((o) => o.retract && o.retract.length > 0), 'some late event merged emitted sessions');
  expected.sort();
  assert.deepEqual(await sinkRows(c.out), expected);
  for (let cut = 5; cut < batches.length; cut += 5) {
    const first = make();
    const split = collector();
    for (const batch of batches.slice(0, cut)) first.process(batch, split.emit);
    const second = make();
    second.restore(decodeState(encodeState(first.snapshot())));
    for (const batch of batches.slice(cut)) second.process(batch, split.emit);
    second.finish(split.emit);
    assert.deepEqual(await sinkRows(split.out), expected, `restored after batch ${cut}`);
  }
});

function replayWithRestore(make: () => OperatorInstance, batches: Batch[], cut: number): { whole: Row[]; split: Row[] } {
  const a = make();
  const ca = collector();
  for (const batch of batches) a.process(batch, ca.emit);
  a.finish(ca.emit);
  const first = make();
  const c1 = collector();
  for (const batch of batches.slice(0, cut)) first.process(batch, c1.emit);
  const saved = decodeState(encodeState(first.snapshot()));
  const second = make();
  second.restore(saved);
  for (const batch of batches.slice(cut)) second.process(batch, c1.emit);
  second.finish(c1.emit);
  return { whole: ca.out.flatMap((o) => o.rows.map((r) => ({ port: o.port, ...r }))), split: c1.out.flatMap((o) => o.rows.map((r) => ({ port: o.port, ...r }))) };
}

function shuffledEvents(n: number, seed: number): Batch[] {
  let s = seed;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const batches: Batch[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const rows: Row[] = [];
    for (let j = 0; j < 20; j++) {
      t += Math.floor(rand() * 2000);
      rows.push({ t: new Date(t - Math.floor(rand() * 100_000)), region: ['eu', 'us', 'apac'][Math.floor(rand() * 3)], amount: Math.floor(rand() * 100), user: `u${Math.floor(rand() * 5)}` });
    }
    batches.push({ rows, partition: `p${i % 2}` });
  }
  return batches;
}

test('snapshot/restore of windows is exact: restored run equals uninterrupted run', () => {
  const batches = shuffledEvents(60, 42);
  const aggs = { n: 'count(*)', total: 'sum(amount)', users: 'count(distinct user)', first_user: 'first(user)', last_user: 'last(user)', hi: 'max(t)' };
  const common = { time: 't', watermarkDelay: '5s', allowedLateness: '10s', groupBy: ['region'], aggregates: aggs };
  const makers: [string, () => OperatorInstance][] = [
    ['tumbling', () => new FixedWindowOperator({ ...common, size: '1m' }, M, M, { nodeId: 'w', clock: new ManualTime(0) })],
    ['hopping', () => new FixedWindowOperator({ ...common, size: '1m', slide: '20s' }, M, 20 * S, { nodeId: 'w', clock: new ManualTime(0) })],
    ['session', () => new SessionWindowOperator({ ...common, gap: '3s' }, 3 * S, { nodeId: 'w', clock: new ManualTime(0) })],
  ];
  for (const [name, make] of makers) {
    for (const cut of [1, 17, 45]) {
      const { whole, split } = replayWithRestore(make, batches, cut);
      assert.ok(whole.length > 10, `${name} produced output`);
      assert.ok(whole.some((r) => r.port === 'late'), `${name} exercised the late port`);
      assert.deepEqual(split, whole, `${name} cut at ${cut}`);
    }
  }
});

test('state holds open windows only: memory follows windows, not events', () => {
  const op = tumbling({ allowedLateness: '0s' });
  const c = collector();
  for (let i = 0; i < 200; i++) op.process(b([ev(i * 30 * S, 'eu'), ev(i * 30 * S + 1, 'us')]), c.emit);
  const state = op.snapshot() as { windows: unknown[] };
  assert.ok(state.windows.length <= 2, `${state.windows.length} windows kept after 400 events`);
  assert.equal(c.rows().length, 2 * 99);
});

test('explain names the window being waited for, and says when the input ended', () => {
  const op = tumbling({ watermarkDelay: '5s' });
  const c = collector();
  op.process(b([ev(10 * S), ev(30 * S, 'us')]), c.emit);
  const ex = op.explain() as { watermark: number; openCount: number; openWindows: { key: Row; closesAt: number; events: number }[]; summary: string };
  assert.equal(ex.watermark, 25 * S);
  assert.equal(ex.openCount, 2);
  assert.deepEqual(ex.openWindows.map((w) => [w.key.region, w.closesAt, w.events]), [['eu', M, 1], ['us', M, 1]]);
  assert.equal(ex.summary, 'The window ending 1970-01-01 00:01:00 closes when the watermark reaches 1970-01-01 00:01:00; the watermark is at 1970-01-01 00:00:25 (latest event time minus the 5000 ms watermark delay).');
  op.finish(c.emit);
  assert.equal((op.explain() as { summary: string }).summary, 'The input ended: every window was emitted.');
});

test('restoring a window from state without its list is a clear error', () => {
  assert.throws(() => tumbling().restore({ watermark: null }), /window state has no window list/);
  const session = new SessionWindowOperator({ time: 't', gap: '10s', aggregates: { n: 'count(*)' } }, 10 * S, { nodeId: 's', clock: new ManualTime(0) });
  assert.throws(() => session.restore(null), /session window state has no session list/);
});

test('end of input emits open windows as they stand and keeps them: a run restored from the final state updates them by upsert', () => {
  const first = tumbling({ watermarkDelay: '30s' });
  const c = collector();
  first.process(b([ev(10 * S, 'eu', 2), ev(70 * S, 'eu', 3)]), c.emit);
  assert.deepEqual(c.rows(), []);
  first.finish(c.emit);
  // both windows are open at the end (watermark 40s): they are emitted with the upsert key, so their final rows replace them
  assert.deepEqual(c.out.map((o) => [o.rows.map((r) => [win(r)[0], r.n, r.total]), o.upsertKey ?? null]), [
    [[[0, 1, 2], [M, 1, 3]], ['region', 'window_start']],
  ]);
  assert.equal(first.watermark(), 40 * S, 'the watermark did not jump to the end of time');
  assert.match((first.explain() as { summary: string }).summary, /input ended/);

  // the topic grew: the next run continues the same windows instead of sending their events to the late port
  const next = tumbling({ watermarkDelay: '30s' });
  next.restore(decodeState(encodeState(first.snapshot())));
  const d = collector();
  next.process(b([ev(50 * S, 'eu', 10), ev(200 * S, 'us', 1)]), d.emit);
  assert.deepEqual(d.rows('late'), []);
  const out = d.out.filter((o) => o.port === 'out');
  assert.ok(out.every((o) => o.upsertKey), 'every re-emission of a window emitted at the end of input is an upsert');
  assert.deepEqual(d.rows().map((r) => [win(r)[0], r.region, r.n, r.total]), [[0, 'eu', 2, 12], [M, 'eu', 1, 3]]);
});

test('session windows open at the end of input are emitted, and a later run that merges them retracts the stale row', () => {
  const config: SessionConfig = { time: 't', gap: '10s', watermarkDelay: '60s', groupBy: ['region'], aggregates: { n: 'count(*)' } };
  const session = (): SessionWindowOperator => new SessionWindowOperator(config, 10 * S, { nodeId: 's', clock: new ManualTime(0) });
  const first = session();
  const c = collector();
  first.process(b([ev(0), ev(30 * S)]), c.emit);
  first.finish(c.emit);
  assert.deepEqual(c.rows().map((r) => [win(r)[0], r.n]), [[0, 1], [30 * S, 1]]);

  const next = session();
  next.restore(decodeState(encodeState(first.snapshot())));
  const d = collector();
  next.process(b([ev(8 * S), ev(16 * S), ev(24 * S), ev(100 * S, 'us')]), d.emit); // bridges [0, 10s) and [30s, 40s)
  assert.deepEqual(d.rows('late'), []);
  const merged = d.out.filter((o) => o.port === 'out' && o.rows.some((r) => r.region === 'eu'));
  assert.ok(merged.every((o) => o.upsertKey));
  assert.deepEqual(merged.flatMap((o) => o.rows).map((r) => [win(r)[0], r.n]), [[0, 5]]);
  assert.deepEqual(merged.flatMap((o) => o.retract ?? []).map((k) => (k.window_start as Date).getTime()), [30 * S]);
});
