// The studio's state, one vanilla zustand store split into slices (zustand's slices pattern). Each slice
// file owns its part of this type and its actions; components read it through narrow selectors.
import type { Position, Problem } from '../../../engine/format/pipeline.ts';
import type { GraphChange } from '../graph/changes.ts';
import type { Graph, GraphEdge, GraphNode } from '../graph/model.ts';
import type { HostSlice } from './host.ts';
import type { ModalSlice } from './modal.ts';

export interface GraphSlice {
  graph: Graph;
  /** Bumped on every meaningful edit; save state compares it with `savedRevision`. */
  revision: number;
  savedRevision: number;
  /** Where the pipeline was last saved or opened from (a name in the host's pipeline store). */
  fileName: string | undefined;
  /**
   * Apply an edit and record it for undo. Consecutive edits with the same `mergeKey` (typing into one
   * field) share one undo step, so undo does not walk back a keystroke at a time.
   */
  apply: (change: GraphChange, mergeKey?: string) => void;
  lastMergeKey: string | undefined;
  /** Apply a move while dragging, without an undo step per pixel; `finishMove` records one step. */
  moveLive: (positions: Record<string, Position>) => void;
  finishMove: () => void;
  /** Replace the whole pipeline (open, import, new): clears history and marks it saved or not. */
  load: (graph: Graph, options: { fileName?: string; saved: boolean; edited?: boolean }) => void;
  markSaved: (fileName: string, revision: number) => void;
  /** Bumped by `load`, so the canvas knows to fit the new pipeline into view. */
  loads: number;
  /** The revision `load` left, unless what it loaded was already unsaved work (an autosave restore). */
  pristineRevision: number;
}

export interface SelectionSlice {
  selectedNodes: readonly string[];
  selectedEdges: readonly string[];
  select: (nodes: readonly string[], edges?: readonly string[]) => void;
  /** Delete what is selected (one undo step). */
  deleteSelection: () => void;
  /** Nodes and the edges among them, as copied; kept in the store so paste works without clipboard access. */
  clipboard: { nodes: GraphNode[]; edges: GraphEdge[] } | undefined;
  copySelection: () => void;
  paste: (offset?: Position) => void;
}

export interface HistorySlice {
  past: Graph[];
  future: Graph[];
  /** The graph when the current drag began. */
  moveStart: Graph | undefined;
  undo: () => void;
  redo: () => void;
}

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'finished' | 'failed';

export interface NodeLive {
  eventsIn: number;
  eventsOut: number;
  errors: number;
  late: number;
  /** Events per second out, averaged by the engine over its last interval. */
  rate: number;
  /** Event-time watermark (ms since epoch), when the node tracks one. */
  watermark?: number;
  /** Database sinks: what this run committed to the target (rows only count once their checkpoint commits). */
  delivery?: SinkLive;
}

export interface SinkLive {
  rows: number;
  batches: number;
  retries: number;
  rejected: number;
  /** Mean time of one commit in this run, null before the first. */
  commitMsAvg: number | null;
}

export interface EdgeLive {
  rate: number;
  watermark?: number;
  /** Events queued between the two nodes (back pressure at a glance). */
  queued?: number;
}

/** One point of the monitoring series, taken each time the engine reports metrics. */
export interface MetricsPoint {
  t: number;
  eventsPerSecond: number;
  errors: number;
  late: number;
  watermarkDelayMs: number | null;
  lag: number | null;
}

export interface RunSlice {
  status: RunStatus;
  runId: string | undefined;
  startedAt: number | undefined;
  /** Message of the failure that ended the run, if any. */
  failure: string | undefined;
  /** What the engine said about a finished run it had nothing to do for (RunStatus.notice). */
  notice: string | undefined;
  /** What the running pipeline means (run/meaning.ts), to flag edits made since it started. */
  runningMeaning: string | undefined;
  /** Trouble nodes of the run report now (cannot reach a broker…), by node id. */
  nodeAlerts: Record<string, string>;
  nodes: Record<string, NodeLive>;
  edges: Record<string, EdgeLive>;
  eventsPerSecond: number;
  series: MetricsPoint[];
  setStatus: (status: RunStatus, details?: { runId?: string; startedAt?: number; failure?: string; notice?: string }) => void;
  setNodeAlert: (nodeId: string, message: string | null) => void;
  setMetrics: (metrics: { t: number; nodes: Record<string, NodeLive>; edges: Record<string, EdgeLive>; lag?: number | null }) => void;
  resetRun: () => void;
}

export type Theme = 'dark' | 'light';
export type LeftTab = 'pipeline' | 'kafka' | 'lake' | 'connections';
export type DockTab = 'sql' | 'metrics' | 'problems' | 'dead';

export interface Notice {
  id: number;
  tone: 'info' | 'error' | 'success';
  text: string;
}

export type StudioDialog =
  | { kind: 'import-problems'; fileName: string; problems: Problem[] }
  /** Reset asks what to do with the lake tables the pipeline writes before it forgets the checkpoints. */
  | { kind: 'reset'; pipelineName: string; tables: { table: string; branch: string }[] };

export interface UiSlice {
  theme: Theme;
  leftTab: LeftTab;
  leftOpen: boolean;
  /** The inspector beside the canvas; collapsed, the canvas takes its room. */
  rightOpen: boolean;
  dockTab: DockTab;
  dockOpen: boolean;
  dockHeight: number;
  leftWidth: number;
  rightWidth: number;
  notices: Notice[];
  /** Text typed into the palette search (focused by `/`). */
  paletteQuery: string;
  /** Snapshot chosen in the lake explorer for time travel; queries run there until cleared. */
  /** snapshotId is decimal text (64-bit ids). */
  travel: { table: string; snapshotId: string; label: string } | undefined;
  /** The one dialog that may be open: problems of an import that was refused, or Reset's question. */
  dialog: StudioDialog | undefined;
  /** Validation problems of the current graph (from the engine's validator), refreshed as the user edits. */
  problems: Problem[];
  /** The first of those problems per node id, as one line, for the badges on the canvas. */
  nodeProblems: Record<string, string>;
  /** Kafka connection and topic chosen in the left rail, shown by the Kafka browser (or a registry subject, by the schema browser). */
  kafka: { connection: string | undefined; topic: string | undefined; group: string | undefined; subject?: string | undefined };
  /** Lake table chosen in the left rail, shown by the lake explorer. */
  lakeTable: string | undefined;
  /** SQL the workbench should load (set by "query this table" buttons); consumed by the workbench. */
  sqlRequest: { sql: string; run: boolean; nonce: number } | undefined;
  setUi: (patch: Partial<Pick<UiSlice, 'theme' | 'leftTab' | 'leftOpen' | 'rightOpen' | 'dockTab' | 'dockOpen' | 'dockHeight' | 'leftWidth' | 'rightWidth' | 'paletteQuery' | 'travel' | 'dialog' | 'problems' | 'nodeProblems' | 'kafka' | 'lakeTable' | 'sqlRequest'>>) => void;
  notify: (tone: Notice['tone'], text: string) => void;
  dismiss: (id: number) => void;
}

export type StudioState = GraphSlice & SelectionSlice & HistorySlice & RunSlice & UiSlice & ModalSlice & HostSlice;
