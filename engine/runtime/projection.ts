// Which fields of a source's events the pipeline actually reads. Decoding only those is how a JSON source
// gets past the ~0.5 M events/s that materialising every field costs (shared/notes/performance.md). The
// answer is conservative: any path where whole rows leave the pipeline (a sink, a map that keeps the other
// columns, a connected error or late port whose dead letters carry the original event) means "all fields".
import { compileExpression, parseAggregate } from '../expr/index.ts';
import type { NodeSpec } from '../format/pipeline.ts';
import type { Graph } from './graph.ts';

/** Top-level field names the nodes downstream of `sourceId` read, or undefined when they need whole rows. */
export function sourceProjection(graph: Graph, sourceId: string): string[] | undefined {
  const fields = new Set<string>();
  const visited = new Set<string>();
  const pending = [...(graph.nodes.get(sourceId)?.routes.out ?? [])];
  try {
    while (pending.length > 0) {
      const id = pending.pop() as string;
      if (visited.has(id)) continue;
      visited.add(id);
      const node = graph.nodes.get(id);
      if (!node || node.kind !== 'operator') return undefined;
      if (node.routes.error.length > 0 || node.routes.late.length > 0) return undefined;
      const reads = readsOf(node.spec);
      if (reads === null) return undefined;
      for (const f of reads.fields) fields.add(f.split('.')[0] as string);
      // Filters and dedupe pass the same rows on; maps and windows build new rows from what they read.
      if (reads.passThrough) pending.push(...node.routes.out);
    }
  } catch {
    // An expression that does not compile: the run will report it; no projection meanwhile.
    return undefined;
  }
  return [...fields].sort();
}

/** A node's type and config (what readsOf needs), for each node type. */
type NodeShape = { [T in NodeSpec['type']]: Pick<Extract<NodeSpec, { type: T }>, 'type' | 'config'> }[NodeSpec['type']];

/**
 * The fields (as written: dotted paths included) a node's expressions read, and whether it passes its
 * input rows on unchanged; null for a node whose reads are not known (it needs whole rows). A window
 * lists its time field first, then its group-by fields and aggregate arguments.
 */
export function readsOf(spec: NodeShape): { fields: string[]; passThrough: boolean } | null {
  switch (spec.type) {
    case 'transform.filter':
      return { fields: [...compileExpression(spec.config.where).columns], passThrough: true };
    case 'transform.dedupe':
      return { fields: [...compileExpression(spec.config.key).columns, ...(spec.config.time ? [spec.config.time] : [])], passThrough: true };
    case 'transform.map':
      if (spec.config.keepOthers) return null;
      return { fields: Object.values(spec.config.select).flatMap((text) => compileExpression(text).columns), passThrough: false };
    case 'window.tumbling':
    case 'window.hopping':
    case 'window.session': {
      const c = spec.config;
      const args = Object.values(c.aggregates).flatMap((text) => parseAggregate(text).arg?.columns ?? []);
      return { fields: [c.time, ...(c.groupBy ?? []), ...args], passThrough: false };
    }
    default:
      return null;
  }
}

/**
 * Who reads a source's Batch.bytes (runtime/types.ts): undefined when nobody does (the source need not
 * gather them, nor check which records are verbatim), 'only' when every consumer of its out port is a
 * sink that copies the bytes and reads no row (the source may hand over lazy batches, lazy.ts), 'some'
 * when a sink copies them but something also reads the rows. Bytes survive pass-through operators
 * (filter and dedupe emit their input batch unchanged when every row passes), so sinks after those count.
 * Only sink.kafka's JSON format copies bytes; with a key or headers it evaluates expressions on each row.
 */
export function sourceBytesReaders(graph: Graph, sourceId: string): 'some' | 'only' | undefined {
  let copies = false;
  let reads = false;
  const visited = new Set<string>();
  const pending = [...(graph.nodes.get(sourceId)?.routes.out ?? [])];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (visited.has(id)) continue;
    visited.add(id);
    const spec = graph.nodes.get(id)?.spec;
    if (spec?.type === 'sink.kafka' && spec.config.format === 'json') {
      copies = true;
      if (spec.config.key || Object.keys(spec.config.headers ?? {}).length > 0) reads = true;
      continue;
    }
    reads = true;
    if (spec?.type === 'transform.filter' || spec?.type === 'transform.dedupe') pending.push(...(graph.nodes.get(id)?.routes.out ?? []));
  }
  return !copies ? undefined : reads ? 'some' : 'only';
}
