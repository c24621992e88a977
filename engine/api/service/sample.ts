// Sample rows for the editors before anything runs: the part of the pipeline upstream of a node is run
// briefly on its own (generators capped, nothing written anywhere, a throwaway home), and the rows
// arriving at the node are returned, so a filter's editor can show that `region` holds 'europe', not
// 'EUROPE'. Kafka sources are not sampled this way (that would join consumer groups on a shared
// cluster); the studio shows their live rows while the pipeline runs instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePipeline } from '../../format/pipeline.ts';
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import type { Clock, Timers } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import type { NodeSample, WireRow } from '../contract.ts';
import { toWireRow } from './wire.ts';

/** Events the sampled sources produce at most. */
const sampleEvents = 500;
/** A sample that takes longer than this is cut short with what it has. */
const sampleMs = 5000;

export async function sampleNode(doc: PipelineDoc, nodeId: string, limit: number, clock: Clock, timers: Timers): Promise<NodeSample> {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  if (!byId.has(nodeId)) return { rows: [], note: `no node "${nodeId}"` };
  const upstream = new Set<string>();
  const queue = [nodeId];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    for (const e of doc.edges) if (e.to === id && !upstream.has(e.from) && e.from !== nodeId) {
      upstream.add(e.from);
      queue.push(e.from);
    }
  }
  if (upstream.size === 0) return { rows: [], note: 'nothing flows into this node yet' };
  const nodes: NodeSpec[] = [];
  for (const id of upstream) {
    const node = byId.get(id) as NodeSpec;
    if (node.type === 'source.kafka') return { rows: [], note: 'Kafka input is sampled while the pipeline runs' };
    if (node.type === 'source.generator') {
      const count = typeof node.config.count === 'number' ? Math.min(node.config.count, sampleEvents) : sampleEvents;
      // Unthrottled: a generator set to 10 events/s would otherwise take a minute to give a sample.
      const { eventsPerSecond: _rate, ...config } = node.config;
      nodes.push({ ...node, config: { ...config, count } } as NodeSpec);
    } else nodes.push(node);
  }
  // Only the upstream part: the layout (and anything else naming other nodes) stays behind.
  const sub: PipelineDoc = { format: doc.format, version: doc.version, name: `${doc.name}-sample`, nodes, edges: doc.edges.filter((e) => upstream.has(e.from) && upstream.has(e.to)) };
  const checked = validatePipeline(sub);
  if (!checked.ok) return { rows: [], note: `fix the problems upstream to see sample values (${checked.problems[0]?.message ?? 'invalid'})` };
  const home = await mkdtemp(join(tmpdir(), 'streamlake-sample-'));
  try {
    const run = createRun(checked.doc, { lakeDir: join(home, 'lake'), homeDir: home, clock, timers, maxEvents: sampleEvents, checkpointInterval: 0, previewCapacity: limit });
    const stop = timers.after(sampleMs, () => void run.stop());
    const summary = await run.start().finally(() => stop.cancel());
    const rows: WireRow[] = [];
    for (const e of doc.edges) {
      if (e.to !== nodeId || !upstream.has(e.from)) continue;
      for (const row of run.preview(e.from, e.port ?? 'out', limit)) if (rows.length < limit) rows.push(toWireRow(row));
    }
    return summary.status === 'failed' ? { rows, note: `the sample run failed: ${summary.error?.message ?? 'unknown error'}` } : { rows };
  } finally {
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}
