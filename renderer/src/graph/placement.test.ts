// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import type { GraphNode } from './model.ts';
import { freePosition, nodeBox } from './placement.ts';

function at(id: string, x: number, y: number): GraphNode {
  return { id, type: 'transform.filter', config: { where: 'true' }, position: { x, y } };
}

function overlap(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return Math.abs(a.x - b.x) < nodeBox.width && Math.abs(a.y - b.y) < nodeBox.height;
}

test('a drop on free canvas stays where it was dropped', () => {
  assert.deepEqual(freePosition({ nodes: [at('a', 0, 0)] }, { x: 600, y: 0 }), { x: 600, y: 0 });
});

test('a drop onto a node, or 300 px beside a node, lands next to it without overlapping', () => {
  const nodes = [at('a', 0, 0)];
  for (const wanted of [{ x: 0, y: 0 }, { x: 30, y: 20 }, { x: 200, y: 60 }]) {
    const placed = freePosition({ nodes }, wanted);
    assert.ok(!overlap(placed, nodes[0]!.position), `${JSON.stringify(wanted)} → ${JSON.stringify(placed)}`);
    assert.ok(Math.hypot(placed.x - wanted.x, placed.y - wanted.y) <= nodeBox.width + 40, 'close to where it was dropped');
  }
});

test('many drops at one spot never stack', () => {
  const nodes: GraphNode[] = [];
  for (let i = 0; i < 12; i++) nodes.push(at(`n${i}`, freePosition({ nodes }, { x: 100, y: 100 }).x, freePosition({ nodes }, { x: 100, y: 100 }).y));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) assert.ok(!overlap(nodes[i]!.position, nodes[j]!.position), `${i} and ${j} overlap`);
  }
});
