// /metrics of a real run: valid Prometheus text exposition, and every series the shipped Grafana
// dashboard queries is one the engine really exports.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createStudioService } from '../api/service.ts';
import type { PipelineDoc } from '../format/pipeline.ts';

const dashboardPath = new URL('../../resources/grafana/streamlake-dashboard.json', import.meta.url);

const doc: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'metrics-check',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 5, eventsPerSecond: 5000 } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
    { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
    { id: 'out', type: 'sink.preview', config: {} },
  ],
  edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
};

test('a running windowed pipeline: valid metrics exposition covering the Grafana dashboard, and why its window is open', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-metrics-'));
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  try {
    await service.runStart({ doc, options: { fresh: true } });
    // Wait (event-driven by polling, bounded by the test runner's timeout) until events flowed.
    for (;;) {
      const metrics = await service.runMetrics();
      if ((metrics?.nodes.per_min?.in ?? 0) > 0) break;
      await sleep(50);
    }
    const text = service.metricsText();
    const why = await service.windowExplain({ nodeId: 'per_min' });
    assert.equal(why.nodeId, 'per_min');
    assert.ok(why.openCount >= 1 && why.openWindows.length >= 1, 'a one-minute window is open while events flow');
    assert.equal(typeof why.watermark, 'number');
    assert.ok(why.partitions.length >= 1);
    assert.match(why.summary, /closes when the watermark reaches/);
    await assert.rejects(() => service.windowExplain({ nodeId: 'valid' }), /not a window/);
    await service.runStop();

    const families = new Map<string, string>();
    const samples = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        assert.ok(!families.has(type[1]!), `TYPE for ${type[1]} appears once`);
        families.set(type[1]!, type[2]!);
        continue;
      }
      if (line.startsWith('# HELP ')) continue;
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
      assert.ok(sample, `not a valid sample line: ${line}`);
      const name = sample[1]!;
      const family = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(families.has(name) || families.get(family) === 'histogram', `sample ${name} has a TYPE line before it`);
      samples.add(name);
    }
    assert.match(text, /^streamlake_run_up\{pipeline="metrics-check"\} 1$/m);
    assert.match(text, /^streamlake_node_events_in_total\{pipeline="metrics-check",node="orders"\} [1-9]\d*$/m);

    const dashboard = await readFile(dashboardPath, 'utf8');
    const queried = new Set(dashboard.match(/streamlake_[a-z_]+/g) ?? []);
    assert.ok(queried.size >= 8, 'the dashboard queries the engine metrics');
    // Families that only have samples for some pipelines (Kafka lag) must at least be declared.
    for (const name of queried) assert.ok(samples.has(name) || families.has(name), `the dashboard queries ${name}, which /metrics does not export`);
  } finally {
    await service.close();
    await rm(home, { recursive: true, force: true });
  }
});
