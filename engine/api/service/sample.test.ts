// Sample rows for the editors come from a real short run of the upstream part, checked against the
// generator's own events (same seed), not against an earlier sample.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import { sampleNode } from './sample.ts';

const doc: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'sample-test',
  nodes: [
    // Throttled to 5 events/s: the sample must not wait for that.
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 100000, seed: 11, eventsPerSecond: 5 } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
    { id: 'shape', type: 'transform.map', config: { select: { region: 'upper(region)', amount: 'amount' } } },
    { id: 'lake', type: 'sink.lake', config: { table: 'never_written' } },
  ],
  edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'shape' }, { from: 'shape', to: 'lake' }],
  // The layout names nodes outside any upstream part: the sample must not trip over it.
  layout: { orders: { x: 0, y: 0 }, valid: { x: 300, y: 0 }, shape: { x: 600, y: 0 }, lake: { x: 900, y: 0 } },
};

test('the rows reaching a node are the upstream events, transformed as the pipeline says', async () => {
  const generated = [...generateEvents('sales_orders', { count: 500, seed: 11 })];
  const byId = new Map(generated.map((e) => [String(e.order_id), e]));

  const atFilter = await sampleNode(doc, 'valid', 50, systemClock, systemTimers);
  assert.equal(atFilter.note, undefined);
  assert.equal(atFilter.rows.length, 50);
  for (const row of atFilter.rows) {
    const source = byId.get(String(row.order_id));
    assert.ok(source, `row ${String(row.order_id)} is one of the first 500 generated events`);
    assert.equal(row.region, source.region);
    assert.equal(row.amount, source.amount);
  }

  const atSink = await sampleNode(doc, 'lake', 100, systemClock, systemTimers);
  const upper = new Set(generated.filter((e) => typeof e.amount === 'number' && e.amount > 0).map((e) => String(e.region).toUpperCase()));
  assert.ok(atSink.rows.length > 0);
  for (const row of atSink.rows) {
    assert.deepEqual(Object.keys(row).sort(), ['amount', 'region']);
    assert.ok(upper.has(String(row.region)), `${String(row.region)} is an upper-cased generated region`);
  }
});

test('a Kafka source, a node with no input and an unknown node say why there are no rows', async () => {
  const kafka: PipelineDoc = { ...doc, nodes: [{ id: 'orders', type: 'source.kafka', config: { connection: 'local', topics: ['orders'], format: 'json' } }, ...doc.nodes.slice(1)] };
  assert.match((await sampleNode(kafka, 'valid', 10, systemClock, systemTimers)).note ?? '', /Kafka input is sampled while the pipeline runs/);
  assert.match((await sampleNode(doc, 'orders', 10, systemClock, systemTimers)).note ?? '', /nothing flows into this node/);
  assert.match((await sampleNode(doc, 'nope', 10, systemClock, systemTimers)).note ?? '', /no node "nope"/);
});
