// The Flink export's one-action fix for a generator source (which Flink does not have): once its events are
// produced to a Kafka topic, the generator node becomes a Kafka source reading that topic from the start. The
// node keeps its id, label and position, so its edges stay as they are and the edit is one undo step.
import { nodeTypeInfo, outputPorts } from '../../../engine/format/node-catalog.ts';
import type { GeneratorConfig, KafkaSourceConfig } from '../../../engine/format/pipeline.ts';
import type { FlinkProblem } from '../../../engine/api/contract.ts';
import type { Graph, GraphNode } from '../graph/model.ts';

/** Events to produce for an unbounded generator: enough for a meaningful first Flink run, quick to produce. */
export const unboundedDefaultCount = 100_000;

export interface KafkaStandIn {
  connection: string;
  topic: string;
}

/** The generator's own count when it is bounded, else a default. */
export function defaultEventCount(config: GeneratorConfig): number {
  return config.count !== undefined && config.count > 0 ? config.count : unboundedDefaultCount;
}

/** The generator node of the graph with this id, or undefined when there is none (any more). */
export function generatorNode(graph: Graph, id: string): (GraphNode & { config: GeneratorConfig }) | undefined {
  const node = graph.nodes.find((n) => n.id === id);
  return node?.type === 'source.generator' ? (node as GraphNode & { config: GeneratorConfig }) : undefined;
}

/**
 * Whether this export problem is the generator's own (a generator node also has others, e.g. its error
 * port), so the action shows once, on the line that says the job reads a topic instead. Problems carry no
 * code, so this keys on the exporter's wording; the unit test pins it to what the exporter writes.
 */
export function isGeneratorProblem(problem: FlinkProblem, graph: Graph): boolean {
  return generatorNode(graph, problem.node) !== undefined && problem.message.startsWith('the built-in generator ');
}

/** The graph with generator `id` replaced by a Kafka source on the stand-in topic; unchanged when `id` is no generator. */
export function replaceGenerator(graph: Graph, id: string, standIn: KafkaStandIn): Graph {
  const generator = generatorNode(graph, id);
  if (!generator) return graph;
  const config: KafkaSourceConfig = { connection: standIn.connection, topics: [standIn.topic], format: 'json', startFrom: 'earliest' };
  const source: GraphNode = { id: generator.id, type: 'source.kafka', config, position: generator.position };
  if (generator.label !== undefined) source.label = generator.label;
  // Both sources have out and error ports today; should that change, an edge from a port the Kafka source
  // lacks would make the document invalid, so it goes rather than the whole edit failing.
  const info = nodeTypeInfo('source.kafka');
  const ports = new Set(info ? outputPorts(info) : ['out']);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => (n.id === id ? source : n)),
    edges: graph.edges.filter((e) => e.from !== id || ports.has(e.port)),
  };
}
