// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import type { GraphNode } from '../graph/model.ts';
import { edgeId } from '../graph/model.ts';
import { createStudioStore } from './index.ts';

function node(id: string, x = 0): GraphNode {
  return { id, type: 'transform.filter', config: { where: 'amount > 0' }, position: { x, y: 0 } };
}

test('edits are undone and redone in order, and a new edit clears redo', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().apply({ kind: 'addNodes', nodes: [node('a')] });
  s().apply({ kind: 'addNodes', nodes: [node('b')] });
  s().apply({ kind: 'connect', edge: { id: edgeId('a', 'out', 'b'), from: 'a', port: 'out', to: 'b' } });
  assert.equal(s().graph.edges.length, 1);
  s().undo();
  assert.equal(s().graph.edges.length, 0);
  s().undo();
  assert.deepEqual(s().graph.nodes.map((n) => n.id), ['a']);
  s().redo();
  assert.deepEqual(s().graph.nodes.map((n) => n.id), ['a', 'b']);
  s().apply({ kind: 'renamePipeline', name: 'x' });
  assert.equal(s().future.length, 0);
});

test('a drag is one undo step however many moves it takes', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().apply({ kind: 'addNodes', nodes: [node('a')] });
  for (let x = 1; x <= 30; x++) s().moveLive({ a: { x, y: 0 } });
  s().finishMove();
  assert.equal(s().past.length, 2);
  s().undo();
  assert.deepEqual(s().graph.nodes[0]?.position, { x: 0, y: 0 });
});

test('delete removes selected nodes with their edges in one step; copy/paste makes fresh ids', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().apply({ kind: 'addNodes', nodes: [node('filter'), node('b', 300)], edges: [{ id: edgeId('filter', 'out', 'b'), from: 'filter', port: 'out', to: 'b' }] });
  s().select(['filter', 'b']);
  s().copySelection();
  s().paste();
  const ids = s().graph.nodes.map((n) => n.id);
  assert.equal(ids.length, 4);
  assert.ok(ids.includes('filter_2'));
  assert.equal(s().graph.edges.length, 2, 'the edge between copied nodes is pasted too');
  assert.deepEqual(s().selectedNodes.length, 2);
  s().select(['filter']);
  s().deleteSelection();
  assert.equal(s().graph.nodes.length, 3);
  assert.equal(s().graph.edges.length, 1);
  s().undo();
  assert.equal(s().graph.nodes.length, 4);
});

test('metrics keep a bounded series and sum source rates only', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().apply({ kind: 'addNodes', nodes: [{ id: 'gen', type: 'source.generator', config: { dataset: 'sales_orders' }, position: { x: 0, y: 0 } }, node('f')] });
  for (let t = 0; t < 700; t++) {
    s().setMetrics({ t, nodes: { gen: { eventsIn: 0, eventsOut: t, errors: 0, late: 0, rate: 100 }, f: { eventsIn: t, eventsOut: t, errors: 1, late: 0, rate: 100 } }, edges: {} });
  }
  assert.equal(s().eventsPerSecond, 100);
  assert.equal(s().series.length, 600);
  s().resetRun();
  assert.equal(s().series.length, 0);
});

test('typing into one field is one undo step', () => {
  const store = createStudioStore();
  const s = () => store.getState();
  s().apply({ kind: 'addNodes', nodes: [node('a')] });
  for (const where of ['a', 'am', 'amo', 'amount > 5']) s().apply({ kind: 'updateConfig', id: 'a', config: { where } }, 'a.where');
  s().apply({ kind: 'updateConfig', id: 'a', config: { where: 'x' } }, 'a.other');
  s().undo();
  assert.deepEqual(s().graph.nodes[0]?.config, { where: 'amount > 5' });
  s().undo();
  assert.deepEqual(s().graph.nodes[0]?.config, { where: 'amount > 0' }, 'back to the value before typing');
  assert.equal(s().past.length, 1);
});
