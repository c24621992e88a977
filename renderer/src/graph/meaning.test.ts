// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { applyGraphChange } from './changes.ts';
import { problemsByNode, sameMeaning, sameNodeMeaning } from './meaning.ts';
import type { Graph } from './model.ts';

const graph: Graph = {
  name: 'p',
  nodes: [
    { id: 'a', type: 'source.generator', config: { dataset: 'sales_orders' }, position: { x: 0, y: 0 } },
    { id: 'b', type: 'transform.filter', config: { where: 'amount > 0' }, position: { x: 300, y: 0 } },
  ],
  edges: [{ id: 'a:out->b', from: 'a', port: 'out', to: 'b' }],
};

test('moving nodes keeps the meaning; every other edit changes it', () => {
  const moved = applyGraphChange(graph, { kind: 'moveNodes', positions: { b: { x: 10, y: 20 } } });
  assert.notEqual(moved, graph);
  assert.ok(sameMeaning(graph, moved));
  assert.ok(sameNodeMeaning(graph.nodes[1], moved.nodes[1]));
  const edits = [
    applyGraphChange(graph, { kind: 'updateConfig', id: 'b', config: { where: 'amount > 1' } }),
    applyGraphChange(graph, { kind: 'renameNode', id: 'b', label: 'valid' }),
    applyGraphChange(graph, { kind: 'renamePipeline', name: 'q' }),
    applyGraphChange(graph, { kind: 'removeEdges', ids: ['a:out->b'] }),
    applyGraphChange(graph, { kind: 'removeNodes', ids: ['b'] }),
  ];
  for (const edited of edits) assert.equal(sameMeaning(graph, edited), false);
  assert.equal(sameNodeMeaning(graph.nodes[1], edits[0]?.nodes[1]), false);
  assert.equal(sameNodeMeaning(graph.nodes[1], undefined), false);
});

test('problems are given to their nodes by the validated graph, first problem first', () => {
  const byNode = problemsByNode(graph, [
    { path: '/nodes/1/config/where', code: 'ENG_EXPR_UNKNOWN_COLUMN', message: "unknown column 'x'" },
    { path: '/nodes/1', code: 'ENG_FORMAT_INVALID', message: 'second problem' },
    { path: '/nodes/0', code: 'ENG_FORMAT_INVALID', message: 'needs a dataset' },
    { path: '/edges/0', code: 'ENG_FORMAT_INVALID', message: 'not a node' },
    { path: '/nodes/7/type', code: 'ENG_FORMAT_INVALID', message: 'beyond the graph' },
  ]);
  assert.deepEqual(byNode, { b: "Condition: unknown column 'x'", a: 'needs a dataset' });
  const quoted = problemsByNode(graph, [{ path: '/nodes/1/config/where', code: 'ENG_EXPR_TYPE', message: '"where" at character 0: cannot compare' }]);
  assert.deepEqual(quoted, { b: 'Condition at character 0: cannot compare' }, 'the JSON key becomes the label');
});
