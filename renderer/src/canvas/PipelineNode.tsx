// One node on the canvas. Memoised and fed by narrow selectors, so a metrics tick or a drag re-renders
// only the nodes whose numbers or position changed (200 nodes stay smooth).
import { Handle, Position } from '@xyflow/react';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useStudio } from '../api/context.tsx';
import { formatCount, formatRate, iconOf, nodeTypeInfo, portsOf, summarize } from '../graph/catalog.ts';
import type { GraphNode } from '../graph/model.ts';

export type FlowNodeData = { node: GraphNode };
export type FlowNode = Node<FlowNodeData, 'pipeline'>;

function LiveBadges({ id, sink }: { id: string; sink: boolean }) {
  const rate = useStudio((s) => s.nodes[id]?.rate);
  const errors = useStudio((s) => s.nodes[id]?.errors ?? 0);
  const late = useStudio((s) => s.nodes[id]?.late ?? 0);
  const count = useStudio((s) => (sink ? s.nodes[id]?.eventsIn : s.nodes[id]?.eventsOut));
  if (rate === undefined) return null;
  return (
    <div className="flow-node-badges" aria-label={`Live metrics of ${id}`}>
      <span className="badge rate">{formatRate(rate)}</span>
      {count !== undefined && <span className="badge">{formatCount(count)} ev</span>}
      {errors > 0 && <span className="badge err">{formatCount(errors)} err</span>}
      {late > 0 && <span className="badge late">{formatCount(late)} late</span>}
    </div>
  );
}

function useNodeProblem(id: string): string | undefined {
  return useStudio((s) => {
    const index = s.graph.nodes.findIndex((n) => n.id === id);
    const prefix = `/nodes/${index}/`;
    const hit = s.problems.find((p) => p.path.startsWith(prefix) || p.path === `/nodes/${index}`);
    if (!hit) return undefined;
    const field = hit.path.slice(prefix.length).replace(/^config\//, '');
    return field ? `${field}: ${hit.message}` : hit.message;
  });
}

const portTop: Record<string, string> = { out: '38%', error: '64%', late: '84%' };

function PipelineNodeView({ data, selected }: NodeProps<FlowNode>) {
  const node = data.node;
  const info = nodeTypeInfo(node.type);
  const ports = portsOf(node.type);
  const problem = useNodeProblem(node.id);
  const title = node.label ?? node.id;
  return (
    <div
      className={`flow-node ${selected ? 'selected' : ''} ${problem ? 'invalid' : ''}`}
      role="group"
      aria-label={`Node ${title}`}
      data-node-id={node.id}
    >
      {ports.input && <Handle type="target" position={Position.Left} id="in" aria-label={`${title} input`} />}
      <div className="flow-node-head">
        <span className={`icon cat-${info?.category ?? 'Transforms'}`} aria-hidden>{iconOf(node.type)}</span>
        <span className="flow-node-title">{title}</span>
        <span className="flow-node-type">{info?.title ?? node.type}</span>
      </div>
      <div className="flow-node-summary mono" title={summarize(node)}>{summarize(node)}</div>
      <LiveBadges id={node.id} sink={node.type.startsWith('sink.')} />
      {problem && <div className="node-problem" role="note" aria-label={`Problem in ${title}`}>{problem}</div>}
      {problem && <span className="problem-mark" title={problem} aria-hidden>!</span>}
      {ports.outputs.map((port) => (
        <Handle
          key={port}
          type="source"
          position={Position.Right}
          id={port}
          className={`port-${port}`}
          style={{ top: portTop[port] }}
          aria-label={`${title} ${port} port`}
          title={port === 'out' ? 'output' : port === 'error' ? 'error port: events this node could not process' : 'late port: events beyond the allowed lateness'}
        />
      ))}
      {ports.outputs.filter((p) => p !== 'out').map((port) => (
        <span key={port} className={`port-label ${port}`} style={{ top: portTop[port] }}>{port}</span>
      ))}
    </div>
  );
}

export const PipelineNode = memo(PipelineNodeView);
