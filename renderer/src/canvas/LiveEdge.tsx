// An edge coloured by its port, labelled with events/s and the watermark while a run is live.
import { BaseEdge, EdgeLabelRenderer, getBezierPath } from '@xyflow/react';
import type { Edge, EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useStudio } from '../api/context.tsx';
import { formatRate } from '../graph/catalog.ts';
import type { Port } from '../graph/model.ts';

export type FlowEdgeData = { port: Port };
export type FlowEdge = Edge<FlowEdgeData, 'live'>;

const colours: Record<Port, string> = { out: 'var(--faint)', error: 'var(--error)', late: 'var(--late)' };

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function LiveEdgeView(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, data } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const live = useStudio((s) => s.edges[id]);
  const rate = live?.rate;
  const watermark = live?.watermark;
  const port = data?.port ?? 'out';
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        style={{
          stroke: selected ? 'var(--accent)' : colours[port],
          strokeWidth: selected ? 2.2 : 1.6,
          strokeDasharray: port === 'out' ? undefined : '5 4',
        }}
      />
      {rate !== undefined && (
        <EdgeLabelRenderer>
          <div
            className="edge-label nodrag nopan"
            aria-label={`Edge ${id} metrics`}
            style={{ position: 'absolute', transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {formatRate(rate)}
            {watermark !== undefined && <span className="faint"> · wm {clock(watermark)}</span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const LiveEdge = memo(LiveEdgeView);
