// The crash matrix (issue 9, tests 1 and 2): the sales example's shape reading a Kafka topic — a raw lake
// table, a windowed lake table, a dead-letter table fed by malformed payloads, the window's late port into
// its own table, and a sink.kafka output topic — with lake sinks on different commit cadences (every
// checkpoint, 1 s, 2 s, 5 s). The engine runs as a child process (crash/worker.ts, or `streamlake run` with
// its default checkpoint folder) and is killed with SIGKILL at least 20 times at seeded random moments and
// once at every injected fault point (STREAMLAKE_FAULT, engine/runtime/faults.ts), restarted each time,
// until the bounded input is read to its end. Then every output is compared with what crash/input.ts computes from the input itself: lake
// tables as Apache Iceberg Java reads them, the output topic as kcat reads it with read_committed.
//
// STREAMLAKE_CRASH_SEED=<n> replays a schedule (the seed is printed); STREAMLAKE_CRASH_KILLS sets the
// number of random kills (default 20). STREAMLAKE_CRASH_WITHOUT_KAFKA_SINK=1 leaves the sink.kafka node and
// its check out, to look at the lake outputs alone while the Kafka sink is being worked on.
//
// Each life joins a consumer group of its own: Kafka keeps a killed member in its group until its session
// times out (10 s), which would make every restart wait. That is also a check: once a pipeline has a
// checkpoint, group offsets are not a restore source, so a fresh group (startFrom earliest) must resume
// from the checkpoint's positions and not re-read the topic.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import { kafkaClient } from '../connections.ts';
import { javaTimestampMs, prepareIcebergJava, readWithIcebergJava, type JavaRow } from './iceberg-java.ts';
import { CrashInput, expectedWindows, Seeded, windowKey, type InputEvent } from './input.ts';

const worker = new URL('./worker.ts', import.meta.url).pathname;
const cli = new URL('../../cli/bin.js', import.meta.url).pathname;
const seed = Number(process.env.STREAMLAKE_CRASH_SEED ?? Math.floor(Math.random() * 1e9));
const randomKills = Number(process.env.STREAMLAKE_CRASH_KILLS ?? 20);
const firstChunk = 12_000;
const refillChunk = 2500;
const partitions = 3;
const faultPoints = [
  'checkpoint.before-write', 'checkpoint.after-write',
  'sink.before-commit', 'sink.after-commit',
  'lake.before-version-hint', 'lake.after-version-hint',
  'kafka.before-txn-commit', 'kafka.after-txn-commit',
] as const;
const withKafkaSink = process.env.STREAMLAKE_CRASH_WITHOUT_KAFKA_SINK !== '1';
const tables = { raw: 'crash_orders', windows: 'crash_by_minute', dead: 'crash_dead_letters', late: 'crash_late' } as const;

let broker: TestBroker;
before(async () => { broker = await useTestBroker(); });
after(async () => { await broker.release(); });

/**
 * The pipeline's name scopes sink.kafka's transactional id and its records in the broker-wide commits topic
 * (engine/kafka/sink/commits.ts): two runs of this file against one broker must not share it, or they fence
 * each other's producers and each reads the other's checkpoint ids as its own.
 */
const pipelineName = `crash-matrix-${seed}-${process.pid}`;

function pipeline(topic: string, group: string, output: string): PipelineDoc {
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: pipelineName,
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { connection: 'local', topics: [topic], group, format: 'json', startFrom: 'earliest', stopAtEnd: true } },
      { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND quantity > 0 AND region IS NOT NULL AND event_time IS NOT NULL' } },
      { id: 'shape', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'upper(region)', amount: 'amount', event_time: 'event_time' } } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', allowedLateness: '30s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'windows', type: 'sink.lake', config: { table: tables.windows, commitInterval: '0s' } },
      { id: 'raw', type: 'sink.lake', config: { table: tables.raw, commitInterval: '1s', schema: { order_id: 'string', region: 'string', quantity: 'long', amount: 'double', event_time: 'timestamp' } } },
      { id: 'dead', type: 'sink.lake', config: { table: tables.dead, commitInterval: '5s' } },
      { id: 'late', type: 'sink.lake', config: { table: tables.late, commitInterval: '2s' } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic: output, format: 'json', key: 'order_id' } },
    ],
    edges: [
      { from: 'orders', to: 'valid' },
      { from: 'valid', to: 'shape' },
      { from: 'shape', to: 'per_min' },
      { from: 'per_min', to: 'windows' },
      { from: 'valid', to: 'raw' },
      { from: 'shape', to: 'out' },
      { from: 'orders', port: 'error', to: 'dead' },
      { from: 'valid', port: 'error', to: 'dead' },
      { from: 'raw', port: 'error', to: 'dead' },
      { from: 'per_min', port: 'late', to: 'late' },
    ],
  };
  if (!withKafkaSink) return { ...doc, nodes: doc.nodes.filter((n) => n.id !== 'out'), edges: doc.edges.filter((e) => e.to !== 'out') };
  return doc;
}

interface Life {
  child: ReturnType<typeof spawn>;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
}

/** A life runs as the crash worker or as `streamlake run`; `args` are the program's, `readyText` what it prints once started. */
function startLife(args: string[], env: NodeJS.ProcessEnv, readyText: string): Life {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => { markReady = r; });
  const listen = (d: Buffer): void => {
    const text = d.toString();
    output.push(text);
    if (text.includes(readyText)) markReady();
  };
  child.stdout!.on('data', listen);
  child.stderr!.on('data', listen);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => { markReady(); resolve({ code, signal }); }));
  return { child, ready, exited, output };
}

// unref: a pending race timer must not hold the test process open after the child it raced has exited
const sleep = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

/** Tail of a life's output for failure messages. */
const tail = (life: Life): string => life.output.join('').split('\n').slice(-30).join('\n');

test(`crash matrix: ${randomKills} random kill -9 and every fault point on the sales shape from Kafka; every output exactly once`, { timeout: 900_000 }, async (t) => {
  const started = Date.now();
  const log = (line: string): void => { t.diagnostic(line); console.log(`# ${line}`); };
  log(`seed ${seed} (STREAMLAKE_CRASH_SEED=${seed} replays this schedule)`);
  const javaReady = prepareIcebergJava(log);
  javaReady.catch(() => undefined);

  const dir = mkdtempSync(join(tmpdir(), 'streamlake-crash-matrix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const topic = uniqueTopic('crash-matrix-in');
  const output = uniqueTopic('crash-matrix-out');
  const admin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();

  const random = new Seeded(seed);
  const input = new CrashInput(new Seeded(seed ^ 0x5eed), partitions);
  input.produce(broker.bootstrap, topic, dir, firstChunk);

  const lakeDir = join(dir, 'lake');
  const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_KAFKA_BROKERS: broker.bootstrap, KAFKAJS_NO_PARTITIONER_WARNING: '1', STREAMLAKE_CRASH_CHECKPOINT_MS: '300', STREAMLAKE_CRASH_QUEUE: '2' };
  delete env.STREAMLAKE_FAULT;

  // The schedule: random kills and one life per fault point, interleaved by the seed.
  type Plan = { kind: 'kill' } | { kind: 'fault'; point: string; nth: number };
  const points = faultPoints.filter((p) => withKafkaSink || !p.startsWith('kafka.'));
  const plans: Plan[] = [...Array.from({ length: randomKills }, (): Plan => ({ kind: 'kill' })), ...points.map((point): Plan => ({ kind: 'fault', point, nth: 1 + random.int(3) }))];
  for (let i = plans.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [plans[i], plans[j]] = [plans[j]!, plans[i]!];
  }

  let lives = 0;
  let kills = 0;
  /** How long a life that was not killed ran after "ready": random kill moments are drawn within it. */
  let lifeMs = 3000;
  const fired: string[] = [];
  const notReached: string[] = [];
  // Half the lives (seeded) are `streamlake run` without --checkpoint-dir: checkpoints are on by default, in
  // $STREAMLAKE_HOME/checkpoints/<pipeline>, the folder the worker lives are given, so both kinds resume
  // each other's checkpoints.
  const home = join(dir, 'home');
  const checkpointDir = join(home, 'checkpoints', pipelineName);
  const launch = (extra: NodeJS.ProcessEnv = {}, kind: 'cli' | 'worker' = random.next() < 0.5 ? 'cli' : 'worker'): Life => {
    const docPath = join(dir, `pipeline-${lives}.json`);
    writeFileSync(docPath, JSON.stringify(pipeline(topic, `${topic}-life-${lives}`, output)));
    return kind === 'cli'
      ? startLife([cli, 'run', docPath, '--lake', lakeDir, '--checkpoint-interval', '300ms'], { ...env, STREAMLAKE_HOME: home, ...extra }, `running ${pipelineName}`)
      : startLife([worker, docPath, lakeDir, home, checkpointDir], { ...env, ...extra }, 'ready');
  };
  const finishedAlone = (life: Life, how: { code: number | null; signal: NodeJS.Signals | null }, what: string): void => {
    assert.equal(how.code, 0, `life ${lives} (${what}) failed instead of finishing (seed ${seed}):\n${tail(life)}`);
  };

  for (const plan of plans) {
    for (let attempt = 1; ; attempt++) {
      lives++;
      // Every life gets new events on top of what the killed one left, so kills land while it works.
      if (lives > 1) input.produce(broker.bootstrap, topic, dir, refillChunk);
      if (plan.kind === 'kill') {
        const life = launch();
        await life.ready;
        const readyAt = Date.now();
        const wait = Math.floor(random.next() * lifeMs);
        const outcome = await Promise.race([life.exited, sleep(wait)]);
        if (outcome === 'timeout') {
          life.child.kill('SIGKILL');
          await life.exited;
          kills++;
          log(`life ${lives}: killed ${wait} ms after ready`);
          break;
        }
        finishedAlone(life, outcome, 'random kill');
        lifeMs = Math.max(200, Date.now() - readyAt);
        assert.ok(attempt < 10, `ten lives in a row finished before their kill moment (seed ${seed})`);
        continue;
      }
      // A fault point the life does not reach the n-th time is tried once more at its first time.
      const spec = `${plan.point}@${attempt === 1 ? plan.nth : 1}`;
      const life = launch({ STREAMLAKE_FAULT: spec });
      const outcome = await Promise.race([life.exited, sleep(120_000)]);
      if (outcome === 'timeout') {
        life.child.kill('SIGKILL');
        await life.exited;
        assert.fail(`life ${lives} (fault ${spec}) neither died nor finished in 120 s (seed ${seed}):\n${tail(life)}`);
      }
      if (outcome.signal === 'SIGKILL' && life.output.join('').includes(`injected fault at ${plan.point}`)) {
        fired.push(spec);
        log(`life ${lives}: died at ${spec}`);
        break;
      }
      finishedAlone(life, outcome, `fault ${spec}`);
      log(`life ${lives}: fault ${spec} never reached; the life ran to its end`);
      if (attempt >= 2) {
        notReached.push(plan.point);
        break;
      }
    }
  }

  lives++;
  const last = launch({}, 'cli');
  const finished = await Promise.race([last.exited, sleep(180_000)]);
  if (finished === 'timeout') {
    last.child.kill('SIGKILL');
    assert.fail(`the final life did not finish in 180 s (seed ${seed}):\n${tail(last)}`);
  }
  assert.equal(finished.code, 0, `the final life failed (seed ${seed}):\n${tail(last)}`);
  const finalLife = lives;

  // One more life after the end: it restores the last checkpoint, reads nothing, and must change nothing
  // (a restore re-commits pending work, which by now must all be committed already).
  lives++;
  const extra = launch({}, 'worker');
  const extraEnd = await Promise.race([extra.exited, sleep(120_000)]);
  if (extraEnd === 'timeout') {
    extra.child.kill('SIGKILL');
    assert.fail(`a life after the end did not finish in 120 s (seed ${seed}):\n${tail(extra)}`);
  }
  assert.equal(extraEnd.code, 0, `a life after the end failed (seed ${seed}):\n${tail(extra)}`);
  assert.match(extra.output.join(''), /restored \d+/, 'the life after the end resumed from a checkpoint');
  assert.match(extra.output.join(''), /"eventsIn":0/, 'and read nothing');
  log(`${input.events.length} events, ${lives} lives, ${kills} random kills, fault points fired: ${fired.join(', ') || 'none'}; never reached: ${notReached.join(', ') || 'none'}; ${Math.round((Date.now() - started) / 1000)} s`);

  // ---- what the outputs must hold, from the input alone ----
  const byId = new Map(input.events.map((e) => [e.id, e]));
  const passing = input.events.filter((e) => e.kind === 'valid' || e.kind === 'late');
  const malformed = input.events.filter((e) => e.kind === 'malformed');

  await javaReady;
  const [raw, windows, dead, late] = await readWithIcebergJava([tables.raw, tables.windows, tables.dead, tables.late].map((name) => join(lakeDir, name)));
  assert.ok(raw && windows && dead && late);
  const failures: string[] = [];
  const check = (name: string, body: () => void): void => {
    try {
      body();
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  };

  check(`raw table ${tables.raw}`, () => {
    assertExactlyOnce(raw.rows.map((r) => String(r.order_id)), passing.map((e) => e.id), 'order_id');
    for (const row of raw.rows) {
      const e = byId.get(String(row.order_id));
      assert.ok(e?.order, `unknown order ${String(row.order_id)}`);
      assert.equal(row.amount, e.order.amount, `amount of ${e.id}`);
      assert.equal(javaTimestampMs(row.event_time), Date.parse(e.order.event_time), `event_time of ${e.id}`);
    }
  });

  const lateIds = late.rows.map((r) => lateOrderId(r));
  check(`late table ${tables.late}`, () => {
    assert.equal(new Set(lateIds).size, lateIds.length, `a late event twice: ${duplicates(lateIds).slice(0, 5).join(', ')}`);
    const notLate = lateIds.filter((id) => byId.get(id)?.kind !== 'late');
    assert.deepEqual(notLate, [], 'only orders 10 minutes behind their partition can be beyond the allowed lateness');
    for (const r of late.rows) assert.match(String(r.reason), /beyond the allowed lateness/);
  });

  check(`window table ${tables.windows}`, () => {
    const expected = expectedWindows(input.events, new Set(lateIds));
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const w of windows.rows) {
      const key = windowKey(javaTimestampMs(w.window_start), String(w.region));
      assert.ok(!seen.has(key), `window ${key} appears twice`);
      seen.add(key);
      const want = expected.get(key);
      if (!want) wrong.push(`${key}: not expected (orders ${String(w.orders)})`);
      else if (Number(w.orders) !== want.orders || Math.abs(Number(w.revenue) - want.revenue) > 1e-6 * Math.max(1, want.revenue)) {
        wrong.push(`${key}: orders ${String(w.orders)} revenue ${String(w.revenue)}, expected ${want.orders} / ${want.revenue.toFixed(2)}`);
      }
    }
    for (const key of expected.keys()) if (!seen.has(key)) wrong.push(`${key}: missing`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${expected.size} windows wrong`);
  });

  check(`dead-letter table ${tables.dead}`, () => {
    const found = dead.rows.map((r) => malformedId(String(r.payload ?? '')));
    assertExactlyOnce(found, malformed.map((e) => e.id), 'malformed payload');
    for (const r of dead.rows) {
      assert.ok(String(r.reason ?? '').length > 0, `a dead letter without a reason: ${JSON.stringify(r)}`);
      assert.equal(r.node, 'orders');
      const e = byId.get(malformedId(String(r.payload)));
      assert.equal(r.payload, e?.text, 'the payload exactly as it was in the topic');
    }
  });

  if (withKafkaSink) check(`output topic ${output} (read_committed)`, () => {
    const read = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', output, '-X', 'isolation.level=read_committed', '-e', '-q', '-f', '%k\t%s\n'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(read.status, 0, read.stderr);
    const lines = read.stdout.split('\n').filter(Boolean);
    const ids: string[] = [];
    for (const line of lines) {
      const [key, value] = line.split('\t');
      const row = JSON.parse(value ?? '') as { order_id: string; region: string; amount: number };
      assert.equal(key, row.order_id, 'keyed by order_id');
      const e = byId.get(row.order_id);
      assert.ok(e?.order, `unknown order ${row.order_id}`);
      assert.equal(row.region, e.order.region.toUpperCase());
      assert.equal(row.amount, e.order.amount);
      ids.push(row.order_id);
    }
    assertExactlyOnce(ids, passing.map((e) => e.id), 'order_id');
  });

  // Every crash point must really have been crashed at: a point the engine never reaches is not tested.
  for (const point of notReached) failures.push(`fault point ${point} was never reached in two lives`);
  // Checkpoint files are pruned to what a restore can still need: the newest one.
  check('checkpoint folder', () => {
    const names = readdirSync(checkpointDir);
    const files = names.filter((n) => /^chk-\d+\.json$/.test(n));
    assert.equal(files.length, 1, `checkpoint files left: ${files.join(', ')}`);
    const leftovers = names.filter((n) => !files.includes(n));
    if (leftovers.length) log(`checkpoint folder also holds ${leftovers.length} other file(s): ${leftovers.slice(0, 5).join(', ')}`);
  });
  // Group offsets are informational but kept current, so lag tools see a finished pipeline at the end.
  const groupAdmin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
  await groupAdmin.connect();
  try {
    const ends = new Map((await groupAdmin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    const [committed] = await groupAdmin.fetchOffsets({ groupId: `${topic}-life-${finalLife}`, topics: [topic] });
    check(`consumer group offsets of the final life`, () => {
      const behind = (committed?.partitions ?? []).filter((p) => Number(p.offset) !== ends.get(p.partition)).map((p) => `partition ${p.partition}: ${p.offset} of ${ends.get(p.partition)}`);
      assert.deepEqual(behind, [], 'committed after the final checkpoint, at the end of the topic');
    });
  } finally {
    await groupAdmin.disconnect();
  }
  log(`checked ${raw.rows.length} raw rows, ${windows.rows.length} windows, ${dead.rows.length} dead letters, ${late.rows.length} late events`);
  assert.deepEqual(failures, [], `seed ${seed}: ${failures.length} output(s) wrong`);
});

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

/** Each expected id exactly once and nothing else; the message names how many are missing, repeated or extra. */
function assertExactlyOnce(actual: readonly string[], expected: readonly string[], what: string): void {
  const want = new Set(expected);
  const have = new Set(actual);
  const twice = duplicates(actual);
  const missing = expected.filter((id) => !have.has(id));
  const extra = [...have].filter((id) => !want.has(id));
  assert.ok(twice.length === 0 && missing.length === 0 && extra.length === 0,
    `${actual.length} rows for ${expected.length} expected: ${twice.length} ${what}s more than once (${twice.slice(0, 5).join(', ')}), `
    + `${missing.length} missing (${missing.slice(0, 5).join(', ')}), ${extra.length} unexpected (${extra.slice(0, 5).join(', ')})`);
}

/** The order id inside a late row's payload (the shaped event, stored as JSON text). */
function lateOrderId(row: JavaRow): string {
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as { order_id?: unknown }) : (row.payload as { order_id?: unknown } | null);
  return String(payload?.order_id);
}

/** The id a malformed payload was generated with (both shapes carry `o-<n>`). */
function malformedId(payload: string): string {
  return /o-\d+/.exec(payload)?.[0] ?? `(no id in ${payload.slice(0, 40)})`;
}

export type { InputEvent };
