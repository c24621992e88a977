// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { autoLayout, depths } from './layout.ts';
import type { Graph, GraphNode, Port } from './model.ts';
import { edgeId } from './model.ts';

function graphOf(ids: string[], links: [string, string, Port?][]): Graph {
  return {
    name: 'g',
    nodes: ids.map((id): GraphNode => ({ id, type: 'transform.filter', config: { where: 'true' }, position: { x: 999, y: 999 } })),
    edges: links.map(([from, to, port = 'out']) => ({ id: edgeId(from, port, to), from, port, to })),
  };
}

test('depth is the longest path from a node without inputs', () => {
  const g = graphOf(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['a', 'c'], ['c', 'd']]);
  assert.deepEqual(Object.fromEntries(depths(g)), { a: 0, b: 1, c: 2, d: 3 });
});

test('layout flows left to right: every edge goes to a larger x', () => {
  const g = graphOf(['src', 'f', 'm', 'w', 'lake', 'dead'], [['src', 'f'], ['f', 'm'], ['m', 'w'], ['w', 'lake'], ['f', 'dead', 'error'], ['w', 'dead', 'late']]);
  const p = autoLayout(g);
  for (const e of g.edges) assert.ok((p[e.from]?.x ?? 0) < (p[e.to]?.x ?? 0), `${e.from} → ${e.to}`);
  // dead letters sit after the window, their deepest parent
  assert.equal(p.dead?.x, p.lake?.x);
  assert.notEqual(p.dead?.y, p.lake?.y);
});

test('layout survives a cycle and is deterministic', () => {
  const g = graphOf(['a', 'b'], [['a', 'b'], ['b', 'a']]);
  assert.deepEqual(autoLayout(g), autoLayout(g));
  assert.equal(Object.keys(autoLayout(g)).length, 2);
});
