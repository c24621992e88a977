// The pipeline canvas. React Flow draws; the studio store owns the graph. Flow nodes are derived from
// graph nodes and cached by identity, so React Flow sees unchanged objects for unchanged nodes.
import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useReactFlow } from '@xyflow/react';
import type { Connection, EdgeChange, FinalConnectionState, FitViewOptions, NodeChange, OnConnectEnd, ProOptions, ReactFlowInstance } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import type { NodeType } from '../../../engine/format/pipeline.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { openExample } from '../files/actions.ts';
import { defaultConfig, nodeTypeInfo, portsOf } from '../graph/catalog.ts';
import { checkConnection } from '../graph/connection.ts';
import type { ConnectionCheck } from '../graph/connection.ts';
import { autoLayout } from '../graph/layout.ts';
import { edgeId, freshNodeId } from '../graph/model.ts';
import { freePosition } from '../graph/placement.ts';
import type { GraphEdge, GraphNode, Port } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';
import { LiveEdge } from './LiveEdge.tsx';
import { fitMargins } from './margins.ts';
import type { FlowEdge } from './LiveEdge.tsx';
import { PipelineNode } from './PipelineNode.tsx';
import type { FlowNode } from './PipelineNode.tsx';
import { useCanvasShortcuts } from './shortcuts.ts';

export const paletteMime = 'application/x-streamlake-node';

// Props React Flow compares by identity are module constants, so a re-render of the canvas (every drag
// tick) does not re-render React Flow's whole view.
const nodeTypes = { pipeline: PipelineNode };
const edgeTypes = { live: LiveEdge };
/**
 * Fit never zooms out below this: node text stays readable (12 px × 0.8), and a pipeline too big for
 * the canvas at this size is centred and explored with the minimap instead of shrunk to specks.
 */
export const readableZoom = 0.8;
/** Room a fit leaves free: the toolbar above, the zoom controls left, the minimap right (when shown). */
function fitFrame(minimap: boolean): Pick<FitViewOptions, 'padding' | 'minZoom' | 'maxZoom'> {
  const m = fitMargins(minimap);
  return { padding: { top: `${m.top}px`, left: `${m.left}px`, bottom: `${m.bottom}px`, right: `${m.right}px` }, minZoom: readableZoom, maxZoom: 1.1 };
}
/** Pixels of a padding value as fitFrame writes them (`'64px'`). */
function px(value: unknown): number {
  return typeof value === 'string' ? Number.parseFloat(value) : typeof value === 'number' ? value : 0;
}

/**
 * fitView, except that a pipeline too big to fit at the readable zoom starts at its left edge (where
 * its sources are) rather than centred with both ends cut off.
 */
async function readableFit(flow: ReactFlowInstance<FlowNode, FlowEdge>, wrap: HTMLElement | null, options: FitViewOptions): Promise<void> {
  await flow.fitView(options);
  const box = wrap?.getBoundingClientRect();
  const padding = options.padding;
  if (!box || typeof padding !== 'object' || flow.getViewport().zoom > readableZoom + 1e-6) return;
  const bounds = flow.getNodesBounds(flow.getNodes());
  const zoom = readableZoom;
  const [top, right, bottom, left] = [px(padding.top), px(padding.right), px(padding.bottom), px(padding.left)];
  const fitsAcross = bounds.width * zoom <= box.width - left - right;
  const fitsDown = bounds.height * zoom <= box.height - top - bottom;
  const x = fitsAcross ? (box.width - bounds.width * zoom) / 2 - bounds.x * zoom : left - bounds.x * zoom;
  const y = fitsDown ? top + (box.height - top - bottom - bounds.height * zoom) / 2 - bounds.y * zoom : top - bounds.y * zoom;
  await flow.setViewport({ x, y, zoom }, options.duration === undefined ? {} : { duration: options.duration });
}

const loadFit: FitViewOptions = { duration: 150 };
const layoutFit: FitViewOptions = { duration: 200 };
const buttonFit: FitViewOptions = { duration: 200 };
const minimapKey = 'streamlake.minimap';
const multiSelectionKeys = ['Meta', 'Control'];
const minimapStyle = { width: 180, height: 120 };
const proOptions: ProOptions = { hideAttribution: true };
/** Beyond this many nodes, only those in view are drawn. */
const visibleOnlyFrom = 120;

type Size = { width: number; height: number };

const categoryColours: Record<string, string> = { source: '#3fbf7f', transform: '#4c8dff', window: '#a07bff', sink: '#f0a93b' };

function minimapColour(n: FlowNode): string {
  return categoryColours[n.data.node.type.split('.')[0] ?? ''] ?? '#8a93a3';
}

function asPort(handle: string | null | undefined): Port {
  return handle === 'error' || handle === 'late' ? handle : 'out';
}

/** Adds a node of a type at a flow position and selects it (drop from the palette, or Enter on an item). */
export function addNodeAt(store: StudioStore, type: NodeType, position: { x: number; y: number }): string {
  const graph = store.getState().graph;
  const id = freshNodeId(graph, type);
  const node: GraphNode = { id, type, config: defaultConfig(type), position: freePosition(graph, position) };
  store.getState().apply({ kind: 'addNodes', nodes: [node] });
  store.getState().select([id]);
  return id;
}

function explain(store: StudioStore, from: string, port: Port, to: string): ConnectionCheck {
  return checkConnection(store.getState().graph, portsOf, { from, port, to });
}

function Welcome() {
  const api = useApi();
  const store = useStudioStore();
  return (
    <div className="welcome">
      <div className="welcome-card" role="dialog" aria-label="Get started">
        <h2>Build a streaming pipeline</h2>
        <p className="muted" style={{ margin: 0 }}>
          Start from the sales example: generated orders, filtered and shaped, counted per region each minute and
          written to the lake. It runs on the built-in generator, no Kafka needed.
        </p>
        <div className="row">
          <button className="primary" onClick={() => void openExample(api, store)}>Open the sales example</button>
          <span className="muted small">or drag nodes from the palette</span>
        </div>
      </div>
    </div>
  );
}

export function Canvas() {
  const store = useStudioStore();
  const graph = useStudio((s) => s.graph);
  const selectedNodes = useStudio((s) => s.selectedNodes);
  const selectedEdges = useStudio((s) => s.selectedEdges);
  const theme = useStudio((s) => s.theme);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const sizes = useRef(new Map<string, Size>());
  const [measured, setMeasured] = useState(0);
  const wrap = useRef<HTMLDivElement>(null);
  // Shown unless the user hid it, or the canvas is too narrow for it to sit beside the nodes.
  const [minimap, setMinimap] = useState(() => {
    const chosen = window.localStorage.getItem(minimapKey);
    return chosen === null ? window.innerWidth >= 1200 : chosen === 'shown';
  });
  const toggleMinimap = () => setMinimap((shown) => {
    window.localStorage.setItem(minimapKey, shown ? 'hidden' : 'shown');
    return !shown;
  });
  const frame = useMemo(() => fitFrame(minimap), [minimap]);
  const nodeCache = useRef(new WeakMap<GraphNode, FlowNode>());
  const edgeCache = useRef(new WeakMap<GraphEdge, FlowEdge>());

  // React Flow queues a fit until the nodes are measured and resolves it when the animation ends; until
  // then the canvas says it is busy (aria-busy), so tests and assistive tech know positions are moving.
  // With no nodes a fit would wait for ever (nothing gets measured), so an empty canvas is not fitted.
  const loads = useStudio((s) => s.loads);
  const [fittedLoads, setFittedLoads] = useState(0);
  const [fitting, setFitting] = useState(0);
  useEffect(() => {
    if (loads === 0) return undefined;
    if (store.getState().graph.nodes.length === 0) {
      setFittedLoads(loads);
      return undefined;
    }
    let current = true;
    void readableFit(flow, wrap.current, { ...frame, ...loadFit }).finally(() => {
      if (current) setFittedLoads(loads);
    });
    return () => {
      current = false;
    };
    // frame is left out on purpose: showing or hiding the minimap must not refit the view.
  }, [loads, flow, store]);
  const fit = useCallback((options: FitViewOptions) => {
    if (store.getState().graph.nodes.length === 0) return;
    setFitting((n) => n + 1);
    void readableFit(flow, wrap.current, { ...frame, ...options }).finally(() => setFitting((n) => n - 1));
  }, [flow, store, frame]);
  const busy = fitting > 0 || (loads > 0 && fittedLoads !== loads);
  useCanvasShortcuts(fit);

  const nodes = useMemo(() => {
    const selected = new Set(selectedNodes);
    return graph.nodes.map((n) => {
      const isSelected = selected.has(n.id);
      const size = sizes.current.get(n.id);
      const cached = nodeCache.current.get(n);
      if (cached && cached.selected === isSelected && cached.measured?.width === size?.width && cached.measured?.height === size?.height) return cached;
      const fresh: FlowNode = { id: n.id, type: 'pipeline', position: n.position, data: { node: n }, selected: isSelected };
      if (size) fresh.measured = size;
      nodeCache.current.set(n, fresh);
      return fresh;
    });
    // sizes is a ref: `measured` changes with it, so the nodes are rebuilt with their sizes; without them
    // the minimap (which draws measured nodes only) stayed empty until the selection changed.
  }, [graph.nodes, selectedNodes, measured]);

  const edges = useMemo(() => {
    const selected = new Set(selectedEdges);
    return graph.edges.map((e) => {
      const isSelected = selected.has(e.id);
      const cached = edgeCache.current.get(e);
      if (cached && cached.selected === isSelected) return cached;
      const fresh: FlowEdge = { id: e.id, source: e.from, sourceHandle: e.port, target: e.to, targetHandle: 'in', type: 'live', data: { port: e.port }, selected: isSelected };
      edgeCache.current.set(e, fresh);
      return fresh;
    });
  }, [graph.edges, selectedEdges]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const positions: Record<string, { x: number; y: number }> = {};
    let moved = false;
    let dragEnded = false;
    let selection: Set<string> | undefined;
    let resized = false;
    for (const c of changes) {
      if (c.type === 'position') {
        if (c.position) {
          positions[c.id] = c.position;
          moved = true;
        }
        if (c.dragging === false) dragEnded = true;
      } else if (c.type === 'select') {
        selection ??= new Set(store.getState().selectedNodes);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      } else if (c.type === 'dimensions' && c.dimensions) {
        const old = sizes.current.get(c.id);
        if (!old || old.width !== c.dimensions.width || old.height !== c.dimensions.height) {
          sizes.current.set(c.id, c.dimensions);
          resized = true;
        }
      }
    }
    if (moved) store.getState().moveLive(positions);
    if (dragEnded) store.getState().finishMove();
    if (selection) store.getState().select([...selection], store.getState().selectedEdges);
    if (resized) setMeasured((n) => n + 1);
  }, [store]);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    let selection: Set<string> | undefined;
    for (const c of changes) {
      if (c.type === 'select') {
        selection ??= new Set(store.getState().selectedEdges);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      }
    }
    if (selection) store.getState().select(store.getState().selectedNodes, [...selection]);
  }, [store]);

  const onConnect = useCallback((c: Connection) => {
    const port = asPort(c.sourceHandle);
    const check = explain(store, c.source, port, c.target);
    if (!check.ok) {
      store.getState().notify('error', `Connection refused: ${check.reason}`);
      return;
    }
    store.getState().apply({ kind: 'connect', edge: { id: edgeId(c.source, port, c.target), from: c.source, port, to: c.target } });
  }, [store]);

  const isValidConnection = useCallback((c: Connection | FlowEdge) => {
    const source = c.source;
    const target = c.target;
    return explain(store, source, asPort(c.sourceHandle), target).ok;
  }, [store]);

  // React Flow silently ignores a drop on an invalid target; say why instead.
  const onConnectEnd: OnConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || !state.fromNode || !state.toNode) return;
    const fromIsSource = state.fromHandle?.type !== 'target';
    const from = fromIsSource ? state.fromNode.id : state.toNode.id;
    const to = fromIsSource ? state.toNode.id : state.fromNode.id;
    const port = asPort(fromIsSource ? state.fromHandle?.id : state.toHandle?.id);
    const check = explain(store, from, port, to);
    if (!check.ok) store.getState().notify('error', `Connection refused: ${check.reason}`);
  }, [store]);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(paletteMime)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback((e: DragEvent) => {
    const type = e.dataTransfer.getData(paletteMime);
    if (!type || !nodeTypeInfo(type)) return;
    e.preventDefault();
    const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addNodeAt(store, type as NodeType, { x: Math.round(p.x - 110), y: Math.round(p.y - 30) });
  }, [flow, store]);

  const layout = () => {
    store.getState().apply({ kind: 'moveNodes', positions: autoLayout(store.getState().graph) });
    fit(layoutFit);
  };

  return (
    <div ref={wrap} className="canvas-wrap" onDragOver={onDragOver} onDrop={onDrop} aria-label="Pipeline canvas" role="region" aria-busy={busy}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={multiSelectionKeys}
        fitView
        fitViewOptions={frame}
        minZoom={0.1}
        colorMode={theme}
        onlyRenderVisibleElements={graph.nodes.length > visibleOnlyFrom}
        proOptions={proOptions}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="var(--grid)" />
        {minimap && <MiniMap position="top-right" pannable zoomable ariaLabel="Minimap" nodeStrokeWidth={2} nodeColor={minimapColour} nodeBorderRadius={3} style={minimapStyle} />}
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
      <div className="canvas-toolbar" role="toolbar" aria-label="Canvas tools">
        <button className="ghost small" aria-label="Undo" onClick={() => store.getState().undo()} title="Undo (Ctrl+Z)">↶</button>
        <button className="ghost small" aria-label="Redo" onClick={() => store.getState().redo()} title="Redo (Ctrl+Shift+Z)">↷</button>
        <button className="ghost small" aria-label="Delete selection" onClick={() => store.getState().deleteSelection()} title="Delete (Del)">✕ Delete</button>
        <button className="ghost small" aria-label="Auto layout" onClick={layout} title="Lay out left to right">⇶ Layout</button>
        <button className="ghost small" aria-label="Zoom to fit" onClick={() => fit(buttonFit)} title="Fit (F)">⤢ Fit</button>
        <button className="ghost small" aria-label={minimap ? 'Hide minimap' : 'Show minimap'} aria-pressed={minimap} onClick={toggleMinimap} title="The minimap sits top right; fitting keeps nodes clear of it">▣ Map</button>
      </div>
      {graph.nodes.length === 0 && <Welcome />}
    </div>
  );
}
