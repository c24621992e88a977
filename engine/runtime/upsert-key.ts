// The upsert key a sink's input will carry (Batch.upsertKey), known from the graph before any row: a
// window's output rows are keyed by its group-by fields and `window_start`, but a window marks them as
// keyed only when it re-emits one (a late event, the end of input), not on their first emission. A sink
// whose target fixes its layout when it is created (a ClickHouse ReplacingMergeTree, a search index's
// document ids) needs the key from the first row on. Filters pass rows and the key through unchanged;
// anything else between the window and the sink (a map may rename or drop the key fields), a second
// input, or rows from an `error`/`late` port leaves the key unknown.
import type { Graph, GraphNode } from './graph.ts';

export function inputUpsertKey(graph: Graph, sinkId: string): string[] | undefined {
  let id = sinkId;
  for (let hops = 0; hops <= graph.nodes.size; hops++) {
    const feeding = [...graph.nodes].filter(([, node]) => node.routes.out.includes(id) || node.routes.error.includes(id) || node.routes.late.includes(id));
    if (feeding.length !== 1) return undefined;
    const [upstreamId, upstream] = feeding[0] as [string, GraphNode];
    if (!upstream.routes.out.includes(id) || upstream.routes.error.includes(id) || upstream.routes.late.includes(id)) return undefined;
    const spec = upstream.spec;
    if (spec.type === 'window.tumbling' || spec.type === 'window.hopping' || spec.type === 'window.session') return [...(spec.config.groupBy ?? []), 'window_start'];
    if (spec.type !== 'transform.filter') return undefined;
    id = upstreamId;
  }
  return undefined;
}
