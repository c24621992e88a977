// What a pipeline means to a run: its name, nodes and edges, not where they are drawn. Edits since the
// run started are the difference between this for the graph and for what was started.
import type { Graph } from '../graph/model.ts';

export function runMeaning(graph: Graph): string {
  return JSON.stringify({
    name: graph.name,
    nodes: graph.nodes.map((n) => [n.id, n.type, n.config]),
    edges: graph.edges.map((e) => [e.from, e.port, e.to]),
  });
}
