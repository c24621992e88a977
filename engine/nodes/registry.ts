// Node types plug into the runtime here. Each area (operators, generator, file, lake, kafka) registers its
// factories from its own module; engine/nodes/index.ts imports them all once.
import type { NodeSpec, NodeType } from '../format/pipeline.ts';
import type { NodeContext, OperatorInstance, SinkInstance, SourceInstance } from '../runtime/types.ts';

export type NodeKind = 'source' | 'operator' | 'sink';

export type NodeFactory<T extends NodeType = NodeType> =
  | { kind: 'source'; create(spec: Extract<NodeSpec, { type: T }>, ctx: NodeContext): SourceInstance | Promise<SourceInstance> }
  | { kind: 'operator'; create(spec: Extract<NodeSpec, { type: T }>, ctx: NodeContext): OperatorInstance | Promise<OperatorInstance> }
  | { kind: 'sink'; create(spec: Extract<NodeSpec, { type: T }>, ctx: NodeContext): SinkInstance | Promise<SinkInstance> };

const factories = new Map<NodeType, NodeFactory>();

export function registerNode<T extends NodeType>(type: T, factory: NodeFactory<T>): void {
  factories.set(type, factory as unknown as NodeFactory);
}

export function nodeFactory(type: NodeType): NodeFactory | undefined {
  return factories.get(type);
}

export function kindOf(type: NodeType): NodeKind {
  if (type.startsWith('source.')) return 'source';
  if (type.startsWith('sink.')) return 'sink';
  return 'operator';
}
