// Validation reports every problem an author will meet, once: a wrong "version" does not hide the rest,
// and a node with a wrong type (or id, or config) is not reported again by every edge and layout entry
// that names it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePipeline } from './pipeline.ts';

function doc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'checks',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 10 } },
      { id: 'big', type: 'transform.filter', config: { where: 'amount > 100' } },
      { id: 'out', type: 'sink.preview', config: {} },
    ],
    edges: [{ from: 'orders', to: 'big' }, { from: 'big', to: 'out' }],
    layout: { orders: { x: 0, y: 0 }, big: { x: 1, y: 0 } },
    ...overrides,
  };
}

function problems(input: unknown): string[] {
  const result = validatePipeline(input);
  assert.equal(result.ok, false);
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

test('a wrong version is reported with every other problem, not instead of them', () => {
  const broken = doc({ version: '1', name: '' });
  (broken.nodes as Record<string, unknown>[])[1] = { id: 'big', type: 'transform.filter', config: { where: 42 } };
  const found = problems(broken);
  assert.match(found[0]!, /^\/version: "version" must be an integer, got "1"/);
  assert.ok(found.some((p) => p.startsWith('/name: ')), found.join('\n'));
  assert.ok(found.some((p) => p.startsWith('/nodes/1/config/where: ')), found.join('\n'));
  for (const version of [2, 0, undefined]) {
    const result = validatePipeline(doc({ version, name: '' }));
    assert.equal(result.ok, false);
    assert.deepEqual(result.problems.map((p) => p.path), ['/version', '/name'], `version ${String(version)}`);
    assert.equal(result.problems[0]!.code, 'ENG_FORMAT_VERSION');
  }
});

test('an unknown node type is one problem: its edges and layout are not "unknown node"', () => {
  const typo = doc();
  (typo.nodes as Record<string, unknown>[])[1] = { id: 'big', type: 'transform.filtre', config: { where: 'amount > 100' } };
  const found = problems(typo);
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0]!, /^\/nodes\/1\/type: unknown node type "transform\.filtre" \(did you mean "transform\.filter"\?\)/);
});

test('a node with a bad id or a config that is not an object is not unknown to its edges either', () => {
  const badConfig = doc();
  (badConfig.nodes as Record<string, unknown>[])[1] = { id: 'big', type: 'transform.filter', config: 'where amount > 100' };
  assert.deepEqual(problems(badConfig).map((p) => p.split(':')[0]), ['/nodes/1/config']);
  const badId = doc({ edges: [{ from: 'orders', to: 'big one' }, { from: 'big one', to: 'out' }], layout: {} });
  (badId.nodes as Record<string, unknown>[])[1] = { id: 'big one', type: 'transform.filter', config: { where: 'amount > 100' } };
  assert.deepEqual(problems(badId).map((p) => p.split(':')[0]), ['/nodes/1/id']);
  // An id nobody declares is still reported.
  assert.deepEqual(problems(doc({ edges: [{ from: 'orders', to: 'big' }, { from: 'big', to: 'outt' }] })).filter((p) => p.includes('unknown node')), ['/edges/1/to: edge refers to unknown node "outt" (did you mean "out"?)']);
});
