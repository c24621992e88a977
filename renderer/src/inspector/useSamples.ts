import { useEffect, useMemo, useState } from 'react';
import type { WireRow } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioWith } from '../api/context.tsx';
import { sameMeaning } from '../graph/meaning.ts';
import { docFromGraph } from '../graph/model.ts';
import { sampleValues } from './samples.ts';

export interface NodeSamples {
  values: Map<string, string[]>;
  /** `live`: from the running pipeline; `sampled`: from a short run of the upstream part. */
  from: 'live' | 'sampled' | null;
  note?: string;
}

const empty: NodeSamples = { values: new Map(), from: null };

/** Sample values of the rows arriving at a node: live while the pipeline runs, else from a short sample run. */
export function useSamples(nodeId: string): NodeSamples {
  const api = useApi();
  const graph = useStudioWith((s) => s.graph, sameMeaning);
  const status = useStudio((s) => s.status);
  const live = status === 'running' || status === 'paused';
  const [samples, setSamples] = useState<NodeSamples>(empty);
  // Only what is upstream decides the sample: editing this node's own expression must not re-run it.
  const { doc, upstreamKey } = useMemo(() => {
    const whole = docFromGraph(graph);
    const seen = new Set<string>();
    const queue = [nodeId];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      for (const e of whole.edges) if (e.to === id && !seen.has(e.from)) {
        seen.add(e.from);
        queue.push(e.from);
      }
    }
    const part = { nodes: whole.nodes.filter((n) => seen.has(n.id)), edges: whole.edges.filter((e) => seen.has(e.from) && (seen.has(e.to) || e.to === nodeId)) };
    return { doc: whole, upstreamKey: JSON.stringify(part) };
  }, [graph, nodeId]);
  useEffect(() => {
    let stopped = false;
    const inputs = doc.edges.filter((e) => e.to === nodeId);
    if (inputs.length === 0) {
      setSamples(empty);
      return undefined;
    }
    if (live) {
      const poll = async () => {
        const rows: WireRow[] = [];
        for (const e of inputs) {
          const preview = await api.nodePreview({ nodeId: e.from, port: e.port ?? 'out', limit: 50 }).catch(() => null);
          if (preview) rows.push(...preview.rows);
        }
        if (!stopped && rows.length > 0) setSamples({ values: sampleValues(rows), from: 'live' });
      };
      void poll();
      const timer = window.setInterval(() => void poll(), 3000);
      return () => {
        stopped = true;
        window.clearInterval(timer);
      };
    }
    // Wait for typing to pause: each sample is a short run on the host.
    const timer = window.setTimeout(() => {
      api.pipelineSample({ doc, nodeId, limit: 100 }).then((sample) => {
        if (!stopped) setSamples({ values: sampleValues(sample.rows), from: 'sampled', ...(sample.note ? { note: sample.note } : {}) });
      }, () => undefined);
    }, 600);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // `doc` goes with `upstreamKey`: a new doc with the same upstream part needs no new sample.
  }, [api, upstreamKey, nodeId, live]);
  return samples;
}
