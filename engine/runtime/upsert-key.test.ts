// The upsert key a sink learns from the graph before any row (NodeContext.upsertKey).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineDoc } from '../format/pipeline.ts';
import '../operators/index.ts';
import { PreviewSink } from '../operators/preview.ts';
import '../windows/index.ts';
import { ManualTime } from './clock.ts';
import { buildGraph } from './graph.ts';
import { MemorySource } from './memory-source.ts';
import { createRun } from './run.ts';
import type { NodeContext } from './types.ts';
import { inputUpsertKey } from './upsert-key.ts';

const window = { time: 'ts', size: '1m', groupBy: ['region', 'shop'], aggregates: { n: 'count(*)' } };
const pipeline: PipelineDoc = {
  format: 'streamlake.pipeline', version: 1, name: 'keys',
  nodes: [
    { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } },
    { id: 'w', type: 'window.tumbling', config: window },
    { id: 'big', type: 'transform.filter', config: { where: 'n > 1' } },
    { id: 'direct', type: 'sink.preview', config: {} },
    { id: 'filtered', type: 'sink.preview', config: {} },
    { id: 'late', type: 'sink.preview', config: {} },
    { id: 'm', type: 'transform.map', config: { select: { n: 'n' } } },
    { id: 'mapped', type: 'sink.preview', config: {} },
    { id: 'raw', type: 'sink.preview', config: {} },
    { id: 's', type: 'window.session', config: { time: 'ts', gap: '5m', aggregates: { n: 'count(*)' } } },
    { id: 'sessions', type: 'sink.preview', config: {} },
  ],
  edges: [
    { from: 'src', to: 'w' }, { from: 'w', to: 'direct' }, { from: 'w', to: 'big' }, { from: 'big', to: 'filtered' },
    { from: 'w', to: 'late', port: 'late' }, { from: 'w', to: 'm' }, { from: 'm', to: 'mapped' }, { from: 'src', to: 'raw' },
    { from: 'src', to: 's' }, { from: 's', to: 'sessions' },
  ],
};

test('a window directly or through filters gives its group-by fields and window_start; anything else nothing', () => {
  const graph = buildGraph(pipeline);
  const keys = Object.fromEntries(['direct', 'filtered', 'late', 'mapped', 'raw', 'sessions'].map((id) => [id, inputUpsertKey(graph, id) ?? null]));
  assert.deepEqual(keys, { direct: ['region', 'shop', 'window_start'], filtered: ['region', 'shop', 'window_start'], late: null, mapped: null, raw: null, sessions: ['window_start'] });
});

test('the run hands it to the sink in its context', async () => {
  const seen = new Map<string, readonly string[] | undefined>();
  const time = new ManualTime(0);
  const run = createRun(pipeline, {
    lakeDir: '/nonexistent-lake', homeDir: '/nonexistent-home', clock: time, timers: time,
    nodes: {
      'source.generator': { kind: 'source', create: () => new MemorySource([]) },
      'sink.preview': { kind: 'sink', create: (spec, ctx: NodeContext) => { seen.set(spec.id, ctx.upsertKey); return new PreviewSink(10); } },
    },
  });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.deepEqual(seen.get('filtered'), ['region', 'shop', 'window_start']);
  assert.equal(seen.get('raw'), undefined);
});
