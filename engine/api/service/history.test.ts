import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricsSnapshot, NodeMetrics } from '../contract.ts';
import { MetricsHistory } from './history.ts';

function node(id: string, watermark: number | null): NodeMetrics {
  return {
    id, type: 'window.tumbling', kind: 'operator', in: 0, out: { out: 0, error: 0, late: 0 }, errors: 0, late: 0, watermark,
    latency: { count: 0, sumMs: 0, p50: null, p95: null, p99: null, maxMs: null }, rateIn: 0, rateOut: 5, queued: 0,
  };
}

test('the watermark is kept as event time beside its delay behind the wall clock', () => {
  const history = new MetricsHistory();
  const eventTime = Date.UTC(2026, 0, 1, 0, 12);
  const wall = Date.UTC(2026, 11, 6, 12);
  const snapshot: MetricsSnapshot = { runId: 'r', pipeline: 'p', at: wall, nodes: { w: node('w', eventTime), f: node('f', null) }, edges: [], checkpoints: { count: 0, lastId: null, lastAt: null, lastDurationMs: null } };
  history.record(snapshot, wall);
  const series = history.query(undefined, ['watermark', 'watermark_delay_ms']);
  assert.deepEqual(series.map((s) => [s.name, s.nodeId, s.points]), [
    ['watermark_delay_ms', 'w', [[wall, wall - eventTime]]],
    ['watermark', 'w', [[wall, eventTime]]],
  ]);
});
