// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
// eslint-disable-next-line no-restricted-imports -- the test pins the action to the exporter's own problem text
import { exportFlink } from '../../../engine/flink/export.ts';
import { validatePipeline } from '../../../engine/format/pipeline.ts';
import type { PipelineDoc } from '../../../engine/format/pipeline.ts';
import { docFromGraph, graphFromDoc } from '../graph/model.ts';
import { createStudioStore } from '../store/index.ts';
import { defaultEventCount, isGeneratorProblem, replaceGenerator, unboundedDefaultCount } from './replaceGenerator.ts';

const sales = JSON.parse(readFileSync(new URL('../../../resources/examples/sales-by-region.json', import.meta.url), 'utf8')) as PipelineDoc;

test('the generator becomes a Kafka source on the topic, from the earliest offset, with its id, label, position and edges', () => {
  const before = graphFromDoc(sales);
  const after = replaceGenerator(before, 'orders', { connection: 'local', topic: 'sales_orders_flink' });
  const node = after.nodes.find((n) => n.id === 'orders');
  const old = before.nodes.find((n) => n.id === 'orders');
  assert.ok(node && old);
  assert.equal(node.type, 'source.kafka');
  assert.deepEqual(node.config, { connection: 'local', topics: ['sales_orders_flink'], format: 'json', startFrom: 'earliest' });
  assert.equal(node.label, 'Sales orders');
  assert.deepEqual(node.position, old.position);
  assert.deepEqual(after.edges, before.edges);
  assert.ok(after.edges.some((e) => e.from === 'orders' && e.port === 'error' && e.to === 'dead'));
  assert.deepEqual(after.nodes.map((n) => n.id), before.nodes.map((n) => n.id));
  // every other node is the very same object: nothing else changed
  for (const [i, n] of after.nodes.entries()) if (n.id !== 'orders') assert.equal(n, before.nodes[i]);
  assert.deepEqual(validatePipeline(docFromGraph(after)).problems, []);
});

test('one undo step through the store restores the generator', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().load(graphFromDoc(sales), { saved: true, fileName: 'sales-by-region.json' });
  const original = s().graph;
  s().apply({ kind: 'replace', graph: replaceGenerator(s().graph, 'orders', { connection: 'local', topic: 't' }) });
  assert.equal(s().graph.nodes.find((n) => n.id === 'orders')?.type, 'source.kafka');
  assert.equal(s().past.length, 1);
  s().undo();
  assert.equal(s().graph, original);
  assert.equal(s().graph.nodes.find((n) => n.id === 'orders')?.type, 'source.generator');
});

test('a node that is no generator is left alone; the count defaults to the bounded generator’s own', () => {
  const graph = graphFromDoc(sales);
  assert.equal(replaceGenerator(graph, 'valid', { connection: 'local', topic: 't' }), graph);
  assert.equal(replaceGenerator(graph, 'missing', { connection: 'local', topic: 't' }), graph);
  assert.equal(defaultEventCount({ dataset: 'sales_orders', count: 2500 }), 2500);
  assert.equal(defaultEventCount({ dataset: 'sales_orders', count: 0 }), unboundedDefaultCount);
  assert.equal(defaultEventCount({ dataset: 'sales_orders' }), unboundedDefaultCount);
});

test('exactly the exporter’s generator problem offers the action, and after the swap none does', () => {
  const graph = graphFromDoc(sales);
  const problems = exportFlink(sales, { lakeDir: '/tmp/lake' }).problems;
  assert.ok(problems.filter((p) => p.node === 'orders').length > 1, 'the generator node has other problems too');
  const offered = problems.filter((p) => isGeneratorProblem(p, graph));
  assert.deepEqual(offered.map((p) => p.node), ['orders']);
  const after = replaceGenerator(graph, 'orders', { connection: 'local', topic: 't' });
  assert.deepEqual(exportFlink(docFromGraph(after), { lakeDir: '/tmp/lake' }).problems.filter((p) => isGeneratorProblem(p, after)), []);
});
