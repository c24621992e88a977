// What a pipeline means to a run: its name, nodes and edges, not where they are drawn. Edits since the
// run started are the difference between this for the graph and for what was started.
import type { Graph } from '../graph/model.ts';

// Asked on every store change while a run goes on (metrics ticks, drags): computed once per graph.
const cache = new WeakMap<Graph, string>();

export function runMeaning(graph: Graph): string {
  let meaning = cache.get(graph);
  if (meaning === undefined) {
    meaning = JSON.stringify({
      name: graph.name,
      nodes: graph.nodes.map((n) => [n.id, n.type, n.config]),
      edges: graph.edges.map((e) => [e.from, e.port, e.to]),
    });
    cache.set(graph, meaning);
  }
  return meaning;
}
