// Mirrors the host's run status and metrics into the store, so every badge reads one place.
import { useEffect } from 'react';
import type { MetricsSnapshot, RunStatus as WireRunStatus } from '../../../engine/api/contract.ts';
import { useApi, useStudioStore } from '../api/context.tsx';
import { edgeId } from '../graph/model.ts';
import type { EdgeLive, NodeLive } from '../store/types.ts';

/** The node an engine error names in its details (`{ node }`), if any. */
function nodeOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null || !('node' in details)) return undefined;
  const node = (details as { node: unknown }).node;
  return typeof node === 'string' ? node : undefined;
}

export function useRunEvents(): void {
  const api = useApi();
  const store = useStudioStore();
  useEffect(() => {
    const applyStatus = (status: WireRunStatus) => {
      const details: { runId?: string; startedAt?: number; failure?: string; notice?: string } = {};
      if (status.runId !== null) details.runId = status.runId;
      if (status.startedAt !== null) details.startedAt = status.startedAt;
      if (status.error) details.failure = status.error.message;
      if (status.notice) details.notice = status.notice;
      const before = store.getState().notice;
      store.getState().setStatus(status.state, details);
      // Every status carries the run's whole set of node alerts; an ended run has none, except the node
      // whose failure ended it (a sink whose database stopped answering), which stays red with the reason.
      const alerts = { ...(status.nodeAlerts ?? {}) };
      const failedNode = status.state === 'failed' ? nodeOf(status.error?.details) : undefined;
      if (failedNode !== undefined && status.error) alerts[failedNode] = status.error.message;
      if (JSON.stringify(alerts) !== JSON.stringify(store.getState().nodeAlerts)) store.setState({ nodeAlerts: alerts });
      if (status.notice && status.notice !== before) store.getState().notify('info', status.notice);
      if (status.state === 'failed' && status.error) store.getState().notify('error', `The run failed: ${status.error.message}`);
    };
    const applyMetrics = (snapshot: MetricsSnapshot) => {
      const nodes: Record<string, NodeLive> = {};
      for (const [id, m] of Object.entries(snapshot.nodes)) {
        const live: NodeLive = {
          eventsIn: m.in,
          eventsOut: m.out.out + m.out.error + m.out.late,
          errors: m.errors,
          late: m.late,
          rate: m.kind === 'sink' ? m.rateIn : m.rateOut,
        };
        if (m.watermark !== null) live.watermark = m.watermark;
        if (m.delivery) {
          const d = m.delivery;
          live.delivery = { rows: d.rows, batches: d.batches, retries: d.retries, rejected: d.rejected, commitMsAvg: d.commits > 0 ? d.commitMsTotal / d.commits : null };
        }
        nodes[id] = live;
      }
      const edges: Record<string, EdgeLive> = {};
      for (const e of snapshot.edges) {
        const live: EdgeLive = { rate: e.eventsPerSecond, queued: e.queued };
        if (e.watermark !== null) live.watermark = e.watermark;
        edges[edgeId(e.from, e.port, e.to)] = live;
      }
      store.getState().setMetrics({ t: snapshot.at, nodes, edges });
    };
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'run.status') applyStatus(event.status);
      else if (event.type === 'metrics.tick') applyMetrics(event.snapshot);
      else if (event.type === 'node.alert' && event.runId === store.getState().runId) store.getState().setNodeAlert(event.nodeId, event.message);
    });
    // A reload while a run is going must pick it up where it is.
    void api.runStatus().then(applyStatus, () => undefined);
    return unsubscribe;
  }, [api, store]);
}
