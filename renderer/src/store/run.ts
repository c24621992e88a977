import type { StateCreator } from 'zustand/vanilla';
import type { MetricsPoint, RunSlice, StudioState } from './types.ts';

/** Points kept for the monitoring charts: 10 minutes at one report per second. */
export const seriesLimit = 600;

export const createRunSlice: StateCreator<StudioState, [], [], RunSlice> = (set) => ({
  status: 'idle',
  runId: undefined,
  startedAt: undefined,
  failure: undefined,
  notice: undefined,
  runningMeaning: undefined,
  nodeAlerts: {},
  nodes: {},
  edges: {},
  eventsPerSecond: 0,
  series: [],
  setStatus: (status, details = {}) =>
    set((s) => ({
      status,
      runId: details.runId ?? s.runId,
      startedAt: details.startedAt ?? (status === 'starting' ? undefined : s.startedAt),
      failure: status === 'failed' ? (details.failure ?? s.failure) : undefined,
      // A new run starts without the last one's notice.
      notice: status === 'starting' || status === 'running' ? undefined : (details.notice ?? s.notice),
    })),
  setNodeAlert: (nodeId, message) =>
    set((s) => {
      if ((s.nodeAlerts[nodeId] ?? null) === message) return {};
      const nodeAlerts = { ...s.nodeAlerts };
      if (message === null) delete nodeAlerts[nodeId];
      else nodeAlerts[nodeId] = message;
      return { nodeAlerts };
    }),
  setMetrics: ({ t, nodes, edges, lag }) =>
    set((s) => {
      // Throughput of the run is what its sources emit; sinks and transforms would count events twice.
      let rate = 0;
      let errors = 0;
      let late = 0;
      let watermark: number | undefined;
      for (const [id, n] of Object.entries(nodes)) {
        const isSource = s.graph.nodes.find((g) => g.id === id)?.type.startsWith('source.') ?? false;
        if (isSource) rate += n.rate;
        errors += n.errors;
        late += n.late;
        if (n.watermark !== undefined) watermark = watermark === undefined ? n.watermark : Math.min(watermark, n.watermark);
      }
      const point: MetricsPoint = {
        t,
        eventsPerSecond: rate,
        errors,
        late,
        watermarkDelayMs: watermark === undefined ? null : Math.max(0, t - watermark),
        lag: lag ?? null,
      };
      return { nodes, edges, eventsPerSecond: rate, series: [...s.series, point].slice(-seriesLimit) };
    }),
  resetRun: () => set({ status: 'idle', runId: undefined, startedAt: undefined, failure: undefined, notice: undefined, nodeAlerts: {}, nodes: {}, edges: {}, eventsPerSecond: 0, series: [] }),
});
