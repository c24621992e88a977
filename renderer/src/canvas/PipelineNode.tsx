// One node on the canvas. Memoised and fed by narrow selectors, so a metrics tick or a drag re-renders
// only the nodes whose numbers or position changed (200 nodes stay smooth).
import { Handle, Position } from '@xyflow/react';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useStudio } from '../api/context.tsx';
import { deliveryTarget, formatCount, formatRate, iconOf, nodeTypeInfo, portsOf, summarize } from '../graph/catalog.ts';
import type { GraphNode } from '../graph/model.ts';

export type FlowNodeData = { node: GraphNode };
export type FlowNode = Node<FlowNodeData, 'pipeline'>;

// One subscription per node (not one per number): every store change, a drag tick included, asks each
// subscriber whether its value changed, and 200 nodes make that the hot path.
function LiveBadges({ id, sink, target }: { id: string; sink: boolean; target: string }) {
  const live = useStudio((s) => s.nodes[id]);
  if (live === undefined) return null;
  const { rate, errors, late } = live;
  const count = sink ? live.eventsIn : live.eventsOut;
  return (
    <div className="flow-node-badges" aria-label={`Live metrics of ${id}`}>
      <span className="badge rate">{formatRate(rate)}</span>
      <span className="badge" title={sink ? 'events received' : 'events out'}>{formatCount(count)} ev</span>
      {live.delivery && (
        <span className="badge rows" aria-label={`Rows committed by ${id}`} title={`rows committed to the ${target} in ${live.delivery.batches} commit${live.delivery.batches === 1 ? '' : 's'} (counted at each checkpoint)`}>
          {formatCount(live.delivery.rows)} rows
        </span>
      )}
      {live.delivery && live.delivery.retries > 0 && <span className="badge retry" title="attempts repeated after a connection error">{formatCount(live.delivery.retries)} retries</span>}
      {errors > 0 && <span className="badge err">{formatCount(errors)} err</span>}
      {late > 0 && <span className="badge late">{formatCount(late)} late</span>}
    </div>
  );
}

const portTop: Record<string, string> = { out: '38%', error: '64%', late: '84%' };

function PipelineNodeView({ data, selected }: NodeProps<FlowNode>) {
  const node = data.node;
  const info = nodeTypeInfo(node.type);
  const ports = portsOf(node.type);
  const problem = useStudio((s) => s.nodeProblems[node.id]);
  const alert = useStudio((s) => s.nodeAlerts[node.id]);
  const title = node.label ?? node.id;
  return (
    <div
      className={`flow-node ${selected ? 'selected' : ''} ${problem || alert ? 'invalid' : ''}`}
      role="group"
      aria-label={`Node ${title}`}
      data-node-id={node.id}
    >
      {ports.input && <Handle type="target" position={Position.Left} id="in" aria-label={`${title} input`} />}
      <div className="flow-node-head">
        <span className={`icon cat-${info?.category ?? 'Transforms'}`} aria-hidden>{iconOf(node.type)}</span>
        <span className="flow-node-title" title={title}>{title}</span>
        <span className="flow-node-type">{info?.title ?? node.type}</span>
      </div>
      <div className="flow-node-summary mono" title={summarize(node)}>{summarize(node)}</div>
      <LiveBadges id={node.id} sink={node.type.startsWith('sink.')} target={deliveryTarget(node.type)} />
      {problem && <div className="node-problem" role="note" aria-label={`Problem in ${title}`}>{problem}</div>}
      {alert && <div className="node-problem" role="status" aria-label={`Alert on ${title}`}>{alert}</div>}
      {(problem || alert) && <span className="problem-mark" title={problem ?? alert} aria-hidden>!</span>}
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
// Named for React DevTools and the render-count e2e check (minified builds lose function names).
PipelineNode.displayName = 'PipelineNode';
