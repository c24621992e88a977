// The validator sees whatever the studio or an imported file holds, half-edited documents included: it
// must answer with problems, never throw, and never change its input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../generator/random.ts';
import { listExamples } from './examples.ts';
import { inferFields, validatePipeline } from './pipeline.ts';

const oddValues: unknown[] = [null, 0, -1, 1.5, 1e308, '', ' ', 'x', '5s', 'count(*)', 'amount >', "'", true, [], [1, 'a'], {}, { a: 1 }, { offset: -1 }, '__proto__', 'constructor'];

function mutate(value: unknown, random: Random, depth = 0): unknown {
  if (random.chance(0.08 + depth * 0.05)) return random.pick(oddValues);
  if (Array.isArray(value)) {
    const copy = value.map((v) => mutate(v, random, depth + 1));
    if (copy.length > 0 && random.chance(0.1)) copy.splice(random.int(copy.length), 1);
    if (random.chance(0.05)) copy.push(random.pick(oddValues));
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (random.chance(0.05)) continue;
      copy[random.chance(0.02) ? `${key}x` : key] = mutate(v, random, depth + 1);
    }
    return copy;
  }
  return value;
}

test('random mutations of the examples never make the validator or field inference throw', () => {
  const random = new Random(2026);
  const docs = listExamples().map((e) => e.doc);
  for (let i = 0; i < 3000; i++) {
    const doc = mutate(random.pick(docs), random);
    const before = JSON.stringify(doc);
    const result = validatePipeline(doc);
    assert.equal(JSON.stringify(doc), before, 'input unchanged');
    if (!result.ok) {
      assert.ok(result.problems.length > 0);
      for (const p of result.problems) {
        assert.ok(p.path === '' || p.path.startsWith('/'), p.path);
        assert.ok(p.message.length > 0);
      }
    }
    if (typeof doc === 'object' && doc !== null && Array.isArray((doc as { nodes?: unknown }).nodes) && Array.isArray((doc as { edges?: unknown }).edges)) {
      const shaped = doc as Parameters<typeof inferFields>[0];
      if (shaped.nodes.every((n) => typeof n === 'object' && n !== null) && shaped.edges.every((e) => typeof e === 'object' && e !== null)) inferFields(shaped);
    }
  }
});
