import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportPipeline, inferFields, migratePipeline, parsePipelineText, PIPELINE_VERSION, validatePipeline } from './pipeline.ts';
import type { Migration, PipelineDoc, Problem } from './pipeline.ts';

/** The issue's example document. */
function salesDoc(): Record<string, unknown> {
  return {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'sales-by-region',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 100000, seed: 7, eventsPerSecond: 0 } },
      { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
      { id: 'shape', type: 'transform.map', config: { select: { region: 'upper(region)', amount: 'amount', event_time: 'event_time', is_big: 'amount >= 500' } } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', allowedLateness: '30s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', avg_order: 'avg(amount)', max_order: 'max(amount)' } } },
      { id: 'lake', type: 'sink.lake', config: { table: 'sales_by_region' } },
      { id: 'dead', type: 'sink.lake', config: { table: 'dead_letters' } },
    ],
    edges: [
      { from: 'orders', to: 'valid' }, { from: 'valid', to: 'shape' }, { from: 'shape', to: 'per_min' },
      { from: 'per_min', to: 'lake' },
      { from: 'valid', port: 'error', to: 'dead' }, { from: 'per_min', port: 'late', to: 'dead' },
    ],
    layout: { orders: { x: 0, y: 0 } },
  };
}

type Json = Record<string, unknown>;
const node = (doc: Json, i: number): Json => (doc.nodes as Json[])[i] as Json;
const config = (doc: Json, i: number): Json => node(doc, i).config as Json;

function problemsOf(doc: unknown): Problem[] {
  const result = validatePipeline(doc);
  assert.equal(result.ok, false, 'expected the document to be invalid');
  return result.problems;
}

function expectProblem(doc: unknown, path: string, message: RegExp, code = 'ENG_FORMAT_INVALID'): Problem {
  const problems = problemsOf(doc);
  const hit = problems.find((p) => p.path === path && message.test(p.message));
  assert.ok(hit, `no problem at ${path} matching ${message}; got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  assert.equal(hit.code, code);
  return hit;
}

test('the issue example is valid and comes back typed, as a copy', () => {
  const input = salesDoc();
  const before = structuredClone(input);
  const result = validatePipeline(input);
  assert.ok(result.ok, JSON.stringify(result.problems));
  assert.deepEqual(result.problems, []);
  assert.deepEqual(input, before);
  assert.notEqual(result.doc, input);
  assert.equal(result.doc.nodes[3]?.type, 'window.tumbling');
});

test('every problem is reported at once, each with its path, and the input is not mutated', () => {
  const doc = salesDoc();
  config(doc, 1).where = 'amount >';
  node(doc, 2).type = 'transform.mapp';
  (doc.edges as Json[]).push({ from: 'nowhere', to: 'lake' });
  delete config(doc, 4).table;
  const before = structuredClone(doc);
  const problems = problemsOf(doc);
  assert.deepEqual(doc, before);
  const paths = problems.map((p) => p.path);
  for (const path of ['/nodes/1/config/where', '/nodes/2/type', '/edges/6/from', '/nodes/4/config/table']) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
});

test('format and version problems', () => {
  expectProblem({ ...salesDoc(), format: 'other' }, '/format', /must be "streamlake.pipeline"/);
  expectProblem({ ...salesDoc(), version: 2 }, '/version', /newer than this Streamlake/, 'ENG_FORMAT_VERSION');
  expectProblem({ ...salesDoc(), version: '1' }, '/version', /must be an integer/, 'ENG_FORMAT_VERSION');
  const { version: _version, ...noVersion } = salesDoc();
  expectProblem(noVersion, '/version', /missing "version"/, 'ENG_FORMAT_VERSION');
  expectProblem({ ...salesDoc(), version: 0 }, '/version', /too old/, 'ENG_FORMAT_VERSION');
  expectProblem([], '', /JSON object/);
  expectProblem({ ...salesDoc(), extra: 1 }, '/extra', /unknown field "extra"/);
  expectProblem({ ...salesDoc(), name: '' }, '/name', /non-empty/);
});

test('node problems: unknown type, bad id, duplicate id, missing config, unknown and mistyped settings', () => {
  let doc = salesDoc();
  node(doc, 1).type = 'transform.filtr';
  expectProblem(doc, '/nodes/1/type', /unknown node type "transform.filtr" \(did you mean "transform.filter"\?\)/);
  doc = salesDoc();
  node(doc, 2).id = 'valid';
  expectProblem(doc, '/nodes/2/id', /duplicate node id "valid" \(first used by \/nodes\/1\)/);
  doc = salesDoc();
  node(doc, 2).id = 'has space';
  expectProblem(doc, '/nodes/2/id', /must be 1–64 letters/);
  doc = salesDoc();
  delete node(doc, 4).config;
  expectProblem(doc, '/nodes/4/config', /missing "config"/);
  doc = salesDoc();
  config(doc, 1).wher = 'x';
  expectProblem(doc, '/nodes/1/config/wher', /unknown filter setting "wher" \(did you mean "where"\?\)/);
  doc = salesDoc();
  config(doc, 0).count = '100';
  config(doc, 0).partitions = 0;
  config(doc, 0).seed = 1.5;
  config(doc, 0).dataset = 'sales_order';
  config(doc, 0).startTime = 'yesterday';
  expectProblem(doc, '/nodes/0/config/count', /must be a number, got "100"/);
  expectProblem(doc, '/nodes/0/config/partitions', /at least 1/);
  expectProblem(doc, '/nodes/0/config/seed', /whole number/);
  expectProblem(doc, '/nodes/0/config/dataset', /did you mean "sales_orders"/);
  expectProblem(doc, '/nodes/0/config/startTime', /ISO 8601/);
  doc = salesDoc();
  config(doc, 4).table = 'bad-name';
  expectProblem(doc, '/nodes/4/config/table', /letters, digits and underscores/);
  config(doc, 4).schema = { amount: 'money' };
  expectProblem(doc, '/nodes/4/config/schema/amount', /unknown column type "money"/);
  config(doc, 4).partitionBy = ['day(nope)', 'weird(x)'];
  expectProblem(doc, '/nodes/4/config/partitionBy/1', /not a partition transform/);
  config(doc, 4).sortBy = ['region desc nulls first', 'revenue sideways', 'bucket(4, region)', 'day(nope) desc', 'sum(x)'];
  const sortProblems = problemsOf(doc).filter((p) => p.path.startsWith('/nodes/4/config/sortBy')).map((p) => [p.path, p.message]);
  assert.deepEqual(sortProblems.map(([path]) => path), ['/nodes/4/config/sortBy/1', '/nodes/4/config/sortBy/2', '/nodes/4/config/sortBy/3', '/nodes/4/config/sortBy/4']);
  assert.match(sortProblems[0]?.[1] ?? '', /"revenue sideways" is not a sort key/);
  assert.match(sortProblems[2]?.[1] ?? '', /unknown field "nope"/);
  config(doc, 4).sortBy = 'region';
  expectProblem(doc, '/nodes/4/config/sortBy', /must be a list of text/);
});

test('edge problems: dangling, unknown port, sink out port, into a source, duplicates, missing input, cycles', () => {
  let doc = salesDoc();
  (doc.edges as Json[])[0] = { from: 'order', to: 'valid' };
  expectProblem(doc, '/edges/0/from', /unknown node "order" \(did you mean "orders"\?\)/);
  doc = salesDoc();
  (doc.edges as Json[])[4] = { from: 'valid', port: 'late', to: 'dead' };
  expectProblem(doc, '/edges/4/port', /has no "late" port; its output ports: out, error/);
  doc = salesDoc();
  (doc.edges as Json[])[4] = { from: 'valid', port: 'side', to: 'dead' };
  expectProblem(doc, '/edges/4/port', /unknown port "side"/);
  doc = salesDoc();
  (doc.edges as Json[]).push({ from: 'lake', to: 'dead' });
  expectProblem(doc, '/edges/6/from', /sink "lake" has no out port/);
  doc = salesDoc();
  (doc.edges as Json[]).push({ from: 'valid', to: 'orders' });
  expectProblem(doc, '/edges/6/to', /source "orders" takes no input/);
  doc = salesDoc();
  (doc.edges as Json[]).push({ from: 'orders', to: 'valid' });
  expectProblem(doc, '/edges/6', /duplicate edge orders → valid \(same as \/edges\/0\)/);
  doc = salesDoc();
  (doc.edges as Json[]).splice(0, 1);
  expectProblem(doc, '/nodes/1', /"valid" has no input/);
  doc = salesDoc();
  (doc.edges as Json[]).push({ from: 'shape', to: 'valid' });
  expectProblem(doc, '/edges/6', /cycle: valid → shape → valid/);
  doc = salesDoc();
  (doc.nodes as Json[]).push({ id: 'prev', type: 'sink.preview', config: {} });
  (doc.edges as Json[]).push({ from: 'lake', port: 'error', to: 'prev' });
  assert.ok(validatePipeline(doc).ok, 'a lake sink has an error port');
  (doc.edges as Json[]).push({ from: 'prev', port: 'error', to: 'dead' });
  expectProblem(doc, '/edges/7/port', /has no "error" port; it has no output ports/);
});

test('expression errors carry their position', () => {
  const doc = salesDoc();
  config(doc, 1).where = 'amount > AND region IS NOT NULL';
  const problem = expectProblem(doc, '/nodes/1/config/where', /at character 9/, 'ENG_EXPR_SYNTAX');
  assert.equal(problem.position, 9);
  config(doc, 1).where = 'amount > 0';
  config(doc, 2).select = { region: 'uppr(region)' };
  const unknownFn = problemsOf(doc).find((p) => p.path === '/nodes/2/config/select/region');
  assert.ok(unknownFn, 'unknown function reported');
  assert.equal(unknownFn.position, 0);
});

test('field references are checked against what the upstream produces', () => {
  let doc = salesDoc();
  config(doc, 1).where = 'amout > 0';
  const p = expectProblem(doc, '/nodes/1/config/where', /unknown column 'amout'/, 'ENG_EXPR_UNKNOWN_COLUMN');
  assert.equal(p.position, 0);
  doc = salesDoc();
  config(doc, 3).groupBy = ['customer_id'];
  expectProblem(doc, '/nodes/3/config/groupBy/0', /unknown field "customer_id"; the input has: region, amount, event_time, is_big/);
  doc = salesDoc();
  config(doc, 3).aggregates = { total: 'sum(quantity)' };
  const agg = expectProblem(doc, '/nodes/3/config/aggregates/total', /unknown column 'quantity'/, 'ENG_EXPR_UNKNOWN_COLUMN');
  assert.equal(agg.position, 4);
  doc = salesDoc();
  config(doc, 3).time = 'ts';
  expectProblem(doc, '/nodes/3/config/time', /unknown field "ts"/);
  doc = salesDoc();
  (config(doc, 2).select as Json).region = 'region';
  config(doc, 3).time = 'region';
  expectProblem(doc, '/nodes/3/config/time', /is a string field; event time needs a timestamp/);
  doc = salesDoc();
  config(doc, 2).keepOthers = true;
  config(doc, 3).groupBy = ['customer_id'];
  assert.ok(validatePipeline(doc).ok, 'keepOthers passes customer_id through');
});

test('fields are not checked where they cannot be known (file source without columns)', () => {
  const doc = salesDoc();
  (doc.nodes as Json[])[0] = { id: 'orders', type: 'source.file', config: { path: 'x.jsonl', format: 'jsonl' } };
  config(doc, 1).where = 'anything_at_all > 0';
  assert.ok(validatePipeline(doc).ok);
  config(doc, 0).columns = ['amount', 'region', 'event_time'];
  expectProblem(doc, '/nodes/1/config/where', /unknown column 'anything_at_all'/, 'ENG_EXPR_UNKNOWN_COLUMN');
});

test('window rules: missing time field, durations, slide longer than size, aggregate errors and name clashes', () => {
  let doc = salesDoc();
  delete config(doc, 3).time;
  expectProblem(doc, '/nodes/3/config/time', /missing required setting "time"/);
  doc = salesDoc();
  config(doc, 3).size = '1 minute';
  expectProblem(doc, '/nodes/3/config/size', /invalid duration/);
  doc = salesDoc();
  config(doc, 3).size = '0s';
  expectProblem(doc, '/nodes/3/config/size', /longer than zero/);
  doc = salesDoc();
  node(doc, 3).type = 'window.hopping';
  config(doc, 3).slide = '2m';
  expectProblem(doc, '/nodes/3/config/slide', /must not be longer than "size"/);
  doc = salesDoc();
  config(doc, 3).aggregates = { region: 'count(*)', bad: 'median(amount)', star: 'sum(*)' };
  expectProblem(doc, '/nodes/3/config/aggregates/region', /same name as a group-by field/);
  expectProblem(doc, '/nodes/3/config/aggregates/bad', /unknown aggregate 'median'/, 'ENG_EXPR_UNKNOWN_FUNCTION');
  expectProblem(doc, '/nodes/3/config/aggregates/star', /only count\(\*\) takes \*/, 'ENG_EXPR_SYNTAX');
  doc = salesDoc();
  config(doc, 3).aggregates = { text_total: 'sum(region)', europe: "sum(CASE WHEN region = 'europe' THEN amount ELSE 0 END)" };
  const typed = expectProblem(doc, '/nodes/3/config/aggregates/text_total', /sum\(\) needs numbers, but region is text/, 'ENG_EXPR_TYPE');
  assert.equal(typed.position, 4);
  assert.equal(validatePipeline(doc).problems.some((p) => p.path.endsWith('/aggregates/europe')), false, 'an aggregate over a CASE expression is valid');

  config(doc, 3).aggregates = {};
  expectProblem(doc, '/nodes/3/config/aggregates', /at least one aggregate/);
});

test('source rules: kafka needs topics, csv without header needs columns', () => {
  const doc = salesDoc();
  (doc.nodes as Json[])[0] = { id: 'orders', type: 'source.kafka', config: { connection: 'local', format: 'json' } };
  expectProblem(doc, '/nodes/0/config', /give "topics" or "topicPattern"/);
  (doc.nodes as Json[])[0] = { id: 'orders', type: 'source.kafka', config: { connection: 'local', format: 'json', topicPattern: '(' } };
  expectProblem(doc, '/nodes/0/config/topicPattern', /not a valid regular expression/);
  (doc.nodes as Json[])[0] = { id: 'orders', type: 'source.kafka', config: { connection: 'local', format: 'json', topics: ['orders'], startFrom: { offset: -1 } } };
  expectProblem(doc, '/nodes/0/config/startFrom', /"earliest", "latest"/);
  (doc.nodes as Json[])[0] = { id: 'orders', type: 'source.file', config: { path: 'x.csv', format: 'csv', header: false } };
  expectProblem(doc, '/nodes/0/config/columns', /without a header row needs "columns"/);
});

test('two sinks may not write the same table branch', () => {
  const doc = salesDoc();
  config(doc, 5).table = 'sales_by_region';
  expectProblem(doc, '/nodes/5/config/table', /"lake" already writes table "sales_by_region"; connect these inputs to that one sink instead/);
  config(doc, 5).branch = 'audit';
  assert.ok(validatePipeline(doc).ok, 'another branch is another writer target');
});

test('layout problems', () => {
  const doc = salesDoc();
  doc.layout = { ghost: { x: 1, y: 2 }, orders: { x: 'a', y: 0 } };
  expectProblem(doc, '/layout/ghost', /unknown node "ghost"/);
  expectProblem(doc, '/layout/orders', /must be \{"x": number, "y": number\}/);
});

test('JSON Pointer paths escape / and ~ in keys', () => {
  const doc = salesDoc();
  config(doc, 2).select = { 'a/b~c': 'nope(' };
  assert.ok(problemsOf(doc).some((p) => p.path === '/nodes/2/config/select/a~1b~0c'));
});

test('migrations upgrade older versions step by step without touching the input', () => {
  // A test-only draft format where edges were called links and used source/target.
  const v0: Migration = {
    from: 0,
    description: 'links → edges',
    up(doc) {
      const links = Array.isArray(doc.links) ? (doc.links as Json[]) : [];
      doc.edges = links.map((l) => ({ from: l.source, to: l.target, ...(l.port ? { port: l.port } : {}) }));
      delete doc.links;
      return doc;
    },
  };
  const { edges, ...rest } = salesDoc();
  const old = { ...rest, version: 0, links: (edges as Json[]).map((e) => ({ source: e.from, target: e.to, ...(e.port ? { port: e.port } : {}) })) };
  const before = structuredClone(old);
  const migrated = migratePipeline(old, [v0]);
  assert.ok(migrated.ok);
  assert.deepEqual(old, before);
  assert.equal(migrated.fromVersion, 0);
  assert.deepEqual(migrated.applied, ['v0 → v1: links → edges']);
  assert.equal(migrated.doc.version, PIPELINE_VERSION);
  assert.ok(validatePipeline(migrated.doc).ok);
  assert.deepEqual(migrated.doc.edges, edges);
  // Without the step, v0 is too old; a future version is refused with a clear message.
  const refused = migratePipeline(old);
  assert.ok(!refused.ok && refused.problems[0]?.code === 'ENG_FORMAT_VERSION');
  const future = migratePipeline({ ...salesDoc(), version: 3 }, [v0]);
  assert.ok(!future.ok && /version 3 is newer.*versions 0 to 1/.test(future.problems[0]?.message ?? ''));
  const current = migratePipeline(salesDoc());
  assert.ok(current.ok && current.applied.length === 0);
});

test('canonical export: fixed key order, 2-space JSON, trailing newline, idempotent', () => {
  const shuffled = {
    layout: { dead: { y: 2, x: 1 }, orders: { y: 0, x: 0 } },
    edges: [{ to: 'valid', port: 'out', from: 'orders' }, { to: 'dead', from: 'valid', port: 'error' }],
    nodes: [
      { config: { seed: 7, dataset: 'sales_orders' }, type: 'source.generator', id: 'orders' },
      { config: { where: 'amount > 0' }, label: 'Valid orders', id: 'valid', type: 'transform.filter' },
      { type: 'sink.lake', config: { commitInterval: '5s', table: 'dead_letters' }, id: 'dead' },
    ],
    name: 'shuffled',
    version: 1,
    format: 'streamlake.pipeline',
  };
  const result = validatePipeline(shuffled);
  assert.ok(result.ok, JSON.stringify(result.problems));
  const text = exportPipeline(result.doc);
  assert.ok(text.endsWith('}\n'));
  assert.ok(text.startsWith('{\n  "format": "streamlake.pipeline",\n  "version": 1,\n  "name": "shuffled",\n  "nodes"'));
  assert.match(text, /"id": "orders",\n {6}"type": "source.generator",\n {6}"config": \{\n {8}"dataset": "sales_orders",\n {8}"seed": 7/);
  assert.match(text, /"id": "valid",\n {6}"type": "transform.filter",\n {6}"label": "Valid orders"/);
  assert.match(text, /"table": "dead_letters",\n {8}"commitInterval": "5s"/);
  assert.match(text, /\{\n {6}"from": "orders",\n {6}"to": "valid"\n {4}\}/, 'the default port is left out');
  assert.match(text, /"from": "valid",\n {6}"port": "error",\n {6}"to": "dead"/);
  assert.ok(text.indexOf('"orders": {') < text.indexOf('"dead": {'), 'layout follows node order');
  assert.match(text, /"x": 0,\n {6}"y": 0/);
  const again = parsePipelineText(text);
  assert.ok(again.ok);
  assert.equal(exportPipeline(again.doc), text);
  const roundTrip = parsePipelineText(exportPipeline(validatePipeline(salesDoc()).ok ? (validatePipeline(salesDoc()) as { doc: PipelineDoc }).doc : ({} as PipelineDoc)));
  assert.ok(roundTrip.ok);
  const original = validatePipeline(salesDoc());
  assert.ok(original.ok);
  assert.deepEqual(roundTrip.doc, original.doc);
});

test('bad JSON gives one parse problem with line and column', () => {
  const result = parsePipelineText('{\n  "format": "streamlake.pipeline",\n  "version": 1,\n  "name": "x",,\n}');
  assert.equal(result.ok, false);
  const [problem] = result.problems;
  assert.equal(result.problems.length, 1);
  assert.equal(problem?.code, 'ENG_FORMAT_PARSE');
  assert.equal(problem?.line, 4);
  assert.equal(problem?.column, 15);
  assert.match(problem?.message ?? '', /^line 4, column 15: /);
  const original = validatePipeline(salesDoc());
  assert.ok(original.ok);
  assert.ok(parsePipelineText(`\uFEFF${exportPipeline(original.doc)}`).ok, 'a byte-order mark is ignored');
  const truncated = parsePipelineText('{"format": "streamlake.pipeline"');
  assert.equal(truncated.problems[0]?.code, 'ENG_FORMAT_PARSE');
  assert.equal(truncated.problems[0]?.line, 1);
});

test('field inference follows generators, maps (types of computed columns too), filters and windows', () => {
  const result = validatePipeline(salesDoc());
  assert.ok(result.ok);
  const fields = inferFields(result.doc);
  assert.deepEqual(fields.get('orders')?.map((f) => f.name), ['order_id', 'customer_id', 'product', 'category', 'region', 'quantity', 'unit_price', 'amount', 'event_time']);
  assert.deepEqual(fields.get('valid'), fields.get('orders'));
  assert.deepEqual(fields.get('shape'), [{ name: 'region', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'event_time', type: 'timestamp' }, { name: 'is_big', type: 'boolean' }]);
  assert.deepEqual(fields.get('per_min'), [
    { name: 'region', type: 'string' }, { name: 'window_start', type: 'timestamp' }, { name: 'window_end', type: 'timestamp' },
    { name: 'orders', type: 'long' }, { name: 'revenue', type: 'double' }, { name: 'avg_order', type: 'double' }, { name: 'max_order', type: 'double' },
  ]);
  assert.deepEqual(fields.get('lake'), []);
  const file = inferFields({ nodes: [{ id: 'f', type: 'source.file', config: { path: 'a', format: 'jsonl' } }, { id: 'x', type: 'transform.filter', config: { where: 'true' } }], edges: [{ from: 'f', to: 'x' }] });
  assert.equal(file.get('f'), null);
  assert.equal(file.get('x'), null);
});
