// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import type { NodeType } from '../../../engine/format/pipeline.ts';
import { checkConnection } from './connection.ts';
import type { PortShape } from './connection.ts';
import type { Graph, GraphNode } from './model.ts';
import { edgeId } from './model.ts';

function portsOf(type: NodeType): PortShape {
  if (type.startsWith('source.')) return { input: false, outputs: ['out', 'error'] };
  if (type.startsWith('window.')) return { input: true, outputs: ['out', 'error', 'late'] };
  if (type.startsWith('sink.')) return { input: true, outputs: [] };
  return { input: true, outputs: ['out', 'error'] };
}

function node(id: string, type: NodeType): GraphNode {
  return { id, type, config: {} as GraphNode['config'], position: { x: 0, y: 0 } };
}

const graph: Graph = {
  name: 't',
  nodes: [node('gen', 'source.generator'), node('f', 'transform.filter'), node('w', 'window.tumbling'), node('lake', 'sink.lake')],
  edges: [
    { id: edgeId('gen', 'out', 'f'), from: 'gen', port: 'out', to: 'f' },
    { id: edgeId('f', 'out', 'w'), from: 'f', port: 'out', to: 'w' },
  ],
};

test('accepts a forward connection on an existing port', () => {
  assert.deepEqual(checkConnection(graph, portsOf, { from: 'w', port: 'out', to: 'lake' }), { ok: true });
  assert.deepEqual(checkConnection(graph, portsOf, { from: 'w', port: 'late', to: 'lake' }), { ok: true });
});

test('refuses a cycle and names the loop', () => {
  const r = checkConnection(graph, portsOf, { from: 'w', port: 'out', to: 'f' });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /cycle/);
});

test('refuses input into a source, output from a sink, self loops and duplicates', () => {
  const reasons = [
    checkConnection(graph, portsOf, { from: 'f', port: 'out', to: 'gen' }),
    checkConnection(graph, portsOf, { from: 'lake', port: 'out', to: 'f' }),
    checkConnection(graph, portsOf, { from: 'f', port: 'out', to: 'f' }),
    checkConnection(graph, portsOf, { from: 'gen', port: 'out', to: 'f' }),
  ].map((r) => (r.ok ? 'ok' : r.reason));
  assert.match(reasons[0] ?? '', /source: it takes no input/);
  assert.match(reasons[1] ?? '', /sink: it has no output/);
  assert.match(reasons[2] ?? '', /cannot feed itself/);
  assert.match(reasons[3] ?? '', /already feeds/);
});

test('refuses a late port on a node that is not a window', () => {
  const r = checkConnection(graph, portsOf, { from: 'f', port: 'late', to: 'lake' });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /only windows emit late events/);
});
