// Run control for the studio: one pipeline runs at a time per host. The last run is kept after it ends so
// previews, dead letters and metrics stay visible until the next start.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, toErrorPayload } from '../../errors.ts';
import type { ErrorPayload } from '../../errors.ts';
import { validatePipeline } from '../../format/pipeline.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { clearCheckpoints, defaultCheckpointDir, listCheckpoints } from '../../runtime/checkpoint.ts';
import type { Clock, TimerHandle, Timers } from '../../runtime/clock.ts';
import type { MetricsSnapshot as RuntimeSnapshot } from '../../runtime/metrics.ts';
import { createRun } from '../../runtime/run.ts';
import type { Run, RunEvent } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import type { ApplyResult, DeadLetterEntry, EdgeMetrics, LogEntry, MetricsSnapshot, NodeMetrics, NodePreview, PortName, ResetGroupResult, ResetResult, ResetTables, RunOptions, RunState, RunStatus, SinkDelivery, WindowExplanation, WireRow } from '../contract.ts';
import type { EventHub } from './events.ts';
import type { MetricsHistory } from './history.ts';
import { toWire, toWireRow } from './wire.ts';
import { explainWindow } from './explain.ts';
import { kafkaGroups, kafkaSourceGroup, resetTables } from './reset.ts';
import { sinkMetricsText } from '../../sinks/metrics.ts';
import { checkRestart } from './apply.ts';
import { deliveryBaseline, deliverySince } from './delivery.ts';
import { gatedSources, PauseGate } from './gate.ts';

const tickMs = 1000;

export interface RunsOptions {
  lakeDir: string;
  homeDir: string;
  clock: Clock;
  timers: Timers;
  events: EventHub;
  history: MetricsHistory;
  /** Lag of a Kafka consumer group, for the `kafka_lag` series of pipelines that read Kafka. */
  groupLag?: (connection: string, groupId: string) => Promise<number>;
  /** Deletes a consumer group (Reset); 'absent' when there was none. */
  deleteGroup?: (connection: string, groupId: string) => Promise<'deleted' | 'absent'>;
}

/** Kafka lag is sampled every this many ticks (it costs broker round trips). */
const lagEveryTicks = 5;

interface Current {
  id: string;
  run: Run;
  doc: PipelineDoc;
  state: RunState;
  startedAt: number;
  endedAt: number | null;
  error?: ErrorPayload;
  /** RunStatus.notice: e.g. a resumed bounded input had nothing left to read. */
  notice?: string;
  latest: MetricsSnapshot | null;
  previous: RuntimeSnapshot | null;
  tick: TimerHandle | null;
  ticks: number;
  /** Last seen version-hint text per lake table the pipeline writes, to notice commits. */
  lakeVersions: Map<string, string>;
  /** Latest consumer lag per Kafka source node. */
  lag: Map<string, number>;
  /** Closed while the run is paused: sources wait there after each push. */
  gate: PauseGate;
  /** Trouble nodes report now, by node id (shown on the node until they report it over). */
  alerts: Map<string, string>;
  /** The database sinks' process-wide counters when the run started, to report this run's share. */
  deliveryBase: Map<string, SinkDelivery>;
  done: Promise<void>;
}

/** States in which a run holds the host's one run slot. */
function active(state: RunState): boolean {
  return state === 'starting' || state === 'running' || state === 'paused' || state === 'stopping';
}

export class RunControl {
  private current: Current | null = null;
  private sequence = 0;

  constructor(private readonly options: RunsOptions) {}

  checkpointDir(pipelineName: string): string {
    // The folder `streamlake run` uses too, so the CLI and the studio resume each other's checkpoints.
    return defaultCheckpointDir(this.options.homeDir, pipelineName);
  }

  async start(input: PipelineDoc, runOptions: RunOptions = {}): Promise<RunStatus> {
    if (this.current && active(this.current.state)) {
      throw new EngineError('ENG_RUN_STATE', `Pipeline "${this.current.doc.name}" is ${this.current.state}; stop it before starting another run`);
    }
    const checked = validatePipeline(input);
    if (!checked.ok) {
      const count = checked.problems.length;
      throw new EngineError('ENG_FORMAT_INVALID', `The pipeline has ${count} problem${count === 1 ? '' : 's'}: ${checked.problems.slice(0, 3).map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}${count > 3 ? '; …' : ''}`, { problems: checked.problems });
    }
    const doc = checked.doc;
    const checkpointDir = this.checkpointDir(doc.name);
    if (runOptions.fresh) await clearCheckpoints(checkpointDir);
    const id = `run-${++this.sequence}-${this.options.clock.now().toString(36)}`;
    const gate = new PauseGate();
    const alerts = new Map<string, string>();
    const report = (nodeId: string, problem: string | null): void => {
      if (this.current?.id !== id || (problem === null && !alerts.has(nodeId)) || alerts.get(nodeId) === problem) return;
      if (problem === null) alerts.delete(nodeId);
      else alerts.set(nodeId, problem);
      this.options.events.emit({ type: 'node.alert', runId: id, nodeId, message: problem, at: this.options.clock.now() });
    };
    const run = createRun(doc, {
      nodes: gatedSources(doc, gate, report),
      lakeDir: this.options.lakeDir,
      homeDir: this.options.homeDir,
      clock: this.options.clock,
      timers: this.options.timers,
      checkpointDir,
      ...(runOptions.maxEvents === undefined ? {} : { maxEvents: runOptions.maxEvents }),
      onEvent: (event) => this.onRunEvent(id, event),
    });
    const current: Current = { id, run, doc, state: 'starting', startedAt: this.options.clock.now(), endedAt: null, latest: null, previous: null, tick: null, ticks: 0, lakeVersions: new Map(), lag: new Map(), gate, alerts, deliveryBase: deliveryBaseline(doc.name, doc.nodes.map((n) => n.id)), done: Promise.resolve() };
    this.current = current;
    this.options.history.clear();
    this.emitStatus();
    current.done = run.start().then(
      (summary) => {
        if (summary.status === 'failed') {
          this.finish(current, 'failed', summary.error ?? { code: 'ENG_RUN_NODE', message: 'The run failed' });
          return;
        }
        // A bounded input an earlier run read to its end resumes at its end: say so instead of a silent 0.
        if (summary.status === 'finished' && summary.restoredFrom !== null && summary.eventsIn === 0) {
          current.notice = `Nothing new since checkpoint ${summary.restoredFrom}: an earlier run already read this input to its end. Reset to start over.`;
          this.log({ at: this.options.clock.now(), level: 'warn', message: current.notice });
        }
        this.finish(current, 'finished');
      },
      (error: unknown) => this.finish(current, 'failed', toErrorPayload(error, 'ENG_RUN_NODE')),
    );
    if (current.state === 'starting') current.state = 'running';
    this.emitStatus();
    this.scheduleTick(current);
    return this.status();
  }

  async stop(): Promise<RunStatus> {
    const current = this.current;
    if (!current) return this.status();
    if (current.state === 'running' || current.state === 'starting' || current.state === 'paused') {
      current.state = 'stopping';
      this.emitStatus();
      // Stopping aborts the sources' signal, which also lets paused sources through their gate.
      await current.run.stop();
    }
    await current.done;
    return this.status();
  }

  pause(): RunStatus {
    const current = this.current;
    if (!current || current.state !== 'running') throw new EngineError('ENG_RUN_STATE', `Nothing to pause: the pipeline is ${current?.state ?? 'idle'}`);
    current.gate.close();
    current.state = 'paused';
    this.emitStatus();
    return this.status();
  }

  resume(): RunStatus {
    const current = this.current;
    if (!current || current.state !== 'paused') throw new EngineError('ENG_RUN_STATE', `Nothing to resume: the pipeline is ${current?.state ?? 'idle'}`);
    current.gate.open();
    current.state = 'running';
    this.emitStatus();
    return this.status();
  }

  /**
   * Restarts the running pipeline as edited, from the checkpoint its stop takes, when the edit keeps that
   * state meaningful (engine/api/service/apply.ts); otherwise the run goes on untouched.
   */
  async apply(edited: PipelineDoc): Promise<ApplyResult> {
    const current = this.current;
    if (!current || !active(current.state) || current.state === 'stopping') {
      throw new EngineError('ENG_RUN_STATE', `Nothing to apply to: the pipeline is ${current?.state ?? 'idle'}; start it instead`);
    }
    const checked = validatePipeline(edited);
    if (!checked.ok) {
      const reasons = checked.problems.slice(0, 5).map((p) => `${p.path || '/'}: ${p.message}`);
      return { applied: false, reasons, status: this.status() };
    }
    const check = checkRestart(current.doc, checked.doc);
    if (!check.compatible) return { applied: false, reasons: check.reasons, status: this.status() };
    await this.stop();
    const status = await this.start(checked.doc);
    this.log({ at: this.options.clock.now(), level: 'info', message: `Applied the edited pipeline "${checked.doc.name}": restarted from its last checkpoint` });
    return { applied: true, reasons: [], status };
  }

  /** Forgets the pipeline's checkpoints and, when asked, replaces or keeps the contents of the tables it writes (see reset.ts). */
  async reset(pipelineName: string, doc?: PipelineDoc, tables?: ResetTables): Promise<ResetResult> {
    const current = this.current;
    if (current && current.doc.name === pipelineName && active(current.state)) {
      throw new EngineError('ENG_RUN_STATE', `Pipeline "${pipelineName}" is running; stop it before resetting its state`);
    }
    if (doc && doc.name !== pipelineName) {
      throw new EngineError('ENG_HOST_REQUEST', `Reset of "${pipelineName}" was sent the document of pipeline "${doc.name}"`, { pipelineName });
    }
    if (tables && !doc) throw new EngineError('ENG_HOST_REQUEST', 'Reset of tables needs the pipeline document: it says which tables the pipeline writes', { pipelineName });
    const dir = this.checkpointDir(pipelineName);
    const checkpointsRemoved = (await listCheckpoints(dir)).length;
    // Order matters when a step fails. Groups first: deleting them is harmless while the checkpoints exist
    // (a restore ignores group offsets), and a group still in use is refused before anything else changes.
    // Tables last: emptied tables next to a surviving checkpoint would make the next run resume past rows
    // that are gone; checkpoints gone but tables not emptied is what the error then tells the user, and
    // Reset again completes it.
    const groups: ResetGroupResult[] = [];
    for (const g of doc ? kafkaGroups(doc) : []) {
      if (!this.options.deleteGroup) throw new EngineError('ENG_HOST_UNAVAILABLE', `This host cannot reach Kafka to reset consumer group "${g.group}"`);
      groups.push({ ...g, action: await this.options.deleteGroup(g.connection, g.group) });
    }
    await clearCheckpoints(dir);
    const results = doc && tables ? await resetTables(this.options.lakeDir, this.options.clock, doc, tables) : [];
    const done = results.filter((r) => r.action !== 'absent');
    const what = !tables ? 'its tables were left as they are'
      : tables === 'replace' ? `${done.length} table${done.length === 1 ? '' : 's'} emptied (${done.map((r) => `${r.table}: ${r.rowsRemoved} rows`).join(', ') || 'none written yet'}; history kept)`
        : `${done.length} table${done.length === 1 ? '' : 's'} kept; the next run appends to them`;
    this.log({ at: this.options.clock.now(), level: 'info', message: `State of "${pipelineName}" reset: the next run starts from scratch; ${what}` });
    for (const g of groups) {
      if (g.action === 'deleted') this.log({ at: this.options.clock.now(), level: 'info', nodeId: g.node, message: `Consumer group "${g.group}" deleted with its offsets: the next run reads from where startFrom says` });
    }
    for (const r of done) this.options.events.emit({ type: 'lake.changed', table: r.table });
    return { pipelineName, checkpointsRemoved, tables: results, groups };
  }

  status(): RunStatus {
    const current = this.current;
    if (!current) return { state: 'idle', runId: null, pipelineName: null, startedAt: null, endedAt: null, uptimeMs: 0, eventsPerSecond: 0, eventsTotal: 0 };
    const snapshot = current.latest;
    let eventsPerSecond = 0;
    let eventsTotal = 0;
    for (const node of Object.values(snapshot?.nodes ?? {})) {
      if (node.kind !== 'source') continue;
      eventsPerSecond += node.rateIn;
      eventsTotal += node.in;
    }
    const end = current.endedAt ?? this.options.clock.now();
    const status: RunStatus = {
      state: current.state,
      runId: current.id,
      pipelineName: current.doc.name,
      startedAt: current.startedAt,
      endedAt: current.endedAt,
      uptimeMs: Math.max(0, end - current.startedAt),
      eventsPerSecond: current.endedAt === null ? eventsPerSecond : 0,
      eventsTotal,
    };
    if (current.error) status.error = current.error;
    if (current.notice) status.notice = current.notice;
    if (current.alerts.size > 0) status.nodeAlerts = Object.fromEntries(current.alerts);
    return status;
  }

  metrics(): MetricsSnapshot | null {
    const current = this.current;
    if (!current) return null;
    if (current.state === 'running' || current.state === 'paused' || current.state === 'stopping' || !current.latest) this.sample(current);
    return current.latest;
  }

  preview(nodeId: string, port: PortName = 'out', limit = 100): NodePreview {
    const current = this.current;
    const at = this.options.clock.now();
    if (!current) return { nodeId, port, rows: [], seen: 0, at };
    const rows = current.run.preview(nodeId, port, limit).map(toWireRow);
    const node = current.run.metrics().nodes[nodeId];
    const seen = !node ? rows.length : node.kind === 'sink' ? node.in : node.out[port];
    return { nodeId, port, rows, seen: Math.max(seen, rows.length), at };
  }

  /** The latest rows a node of the current run produced, as engine values (for schema inference). */
  liveRows(nodeId: string, limit = 500): Row[] {
    return this.current ? this.current.run.preview(nodeId, 'out', limit) : [];
  }

  explain(nodeId: string): WindowExplanation {
    const current = this.current;
    if (!current) throw new EngineError('ENG_RUN_STATE', 'No run yet: start the pipeline to see why its windows have not closed');
    const spec = current.doc.nodes.find((n) => n.id === nodeId);
    if (!spec) throw new EngineError('ENG_RUN_STATE', `No node "${nodeId}" in pipeline "${current.doc.name}"`, { node: nodeId });
    if (!spec.type.startsWith('window.')) throw new EngineError('ENG_RUN_STATE', `Node "${nodeId}" is a ${spec.type}, not a window`, { node: nodeId });
    return explainWindow(spec, current.run.explain(nodeId));
  }

  deadLetters(nodeId: string | undefined, limit = 200): DeadLetterEntry[] {
    const current = this.current;
    if (!current) return [];
    const ids = nodeId === undefined ? current.doc.nodes.map((n) => n.id) : [nodeId];
    const out: DeadLetterEntry[] = [];
    for (const id of ids) {
      for (const port of ['error', 'late'] as const) {
        for (const row of current.run.preview(id, port, limit)) out.push(deadLetter(id, port, row));
      }
    }
    return out.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  prometheus(): string {
    const current = this.current;
    const lines = ['# HELP streamlake_run_up 1 while a pipeline runs in this studio.', '# TYPE streamlake_run_up gauge'];
    if (!current) return lines.concat('streamlake_run_up 0', '').join('\n');
    const escape = (text: string): string => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const label = escape(current.doc.name);
    const up = current.state === 'running' || current.state === 'paused' || current.state === 'stopping' ? 1 : 0;
    lines.push(`streamlake_run_up{pipeline="${label}"} ${up}`);
    lines.push('# HELP streamlake_kafka_consumer_lag Messages a Kafka source\'s consumer group is behind (committed offsets vs log end), sampled every few seconds.', '# TYPE streamlake_kafka_consumer_lag gauge');
    for (const [node, lag] of current.lag) lines.push(`streamlake_kafka_consumer_lag{pipeline="${label}",node="${escape(node)}"} ${lag}`);
    return lines.join('\n') + '\n' + current.run.prometheus() + sinkMetricsText(current.doc.name);
  }

  async close(): Promise<void> {
    await this.stop().catch(() => undefined);
  }

  private scheduleTick(current: Current): void {
    current.tick = this.options.timers.after(tickMs, () => {
      current.tick = null;
      if (this.current !== current) return;
      this.sample(current);
      if (current.latest) this.options.events.emit({ type: 'metrics.tick', snapshot: current.latest });
      this.emitStatus();
      if (++current.ticks % lagEveryTicks === 0) this.sampleLag(current);
      void this.watchLake(current);
      if (current.endedAt === null) this.scheduleTick(current);
    });
  }

  /**
   * Lake sinks commit on their own cadence, so commits are noticed where they land: a table's
   * version-hint.text changes with every commit (one small read per table per tick).
   */
  private async watchLake(current: Current): Promise<void> {
    const tables = new Set(current.doc.nodes.flatMap((n) => (n.type === 'sink.lake' ? [n.config.table] : [])));
    for (const table of tables) {
      const hint = await readFile(join(this.options.lakeDir, table, 'metadata', 'version-hint.text'), 'utf8').catch(() => null);
      if (hint === null || current.lakeVersions.get(table) === hint) continue;
      current.lakeVersions.set(table, hint);
      this.options.events.emit({ type: 'lake.changed', table });
    }
  }

  private sampleLag(current: Current): void {
    const groupLag = this.options.groupLag;
    if (!groupLag) return;
    for (const node of current.doc.nodes) {
      if (node.type !== 'source.kafka') continue;
      const group = kafkaSourceGroup(current.doc.name, node.id, node.config.group);
      groupLag(node.config.connection, group).then(
        (lag) => {
          current.lag.set(node.id, lag);
          this.options.history.recordLag(node.id, this.options.clock.now(), lag);
        },
        (error: unknown) => this.log({ at: this.options.clock.now(), level: 'warn', nodeId: node.id, message: `Kafka lag of group ${group} could not be read: ${(error as Error).message}` }),
      );
    }
  }

  private sample(current: Current): void {
    const raw = current.run.metrics();
    const previous = current.previous;
    const dt = previous ? raw.at - previous.at : 0;
    const portRate = (node: string, port: PortName): number => {
      const now = raw.nodes[node];
      const before = previous?.nodes[node];
      if (!now || !before || dt <= 0) return 0;
      return ((now.out[port] - before.out[port]) * 1000) / dt;
    };
    const edges: EdgeMetrics[] = current.doc.edges.map((edge) => {
      const port = edge.port ?? 'out';
      return {
        from: edge.from,
        port,
        to: edge.to,
        eventsPerSecond: portRate(edge.from, port),
        watermark: raw.nodes[edge.from]?.watermark ?? null,
        queued: raw.nodes[edge.to]?.queued ?? 0,
      };
    });
    current.previous = raw;
    // Once a run has ended nothing flows: rates left from its last sampling interval would show a
    // finished pipeline as busy.
    const ended = current.endedAt !== null;
    const nodes: Record<string, NodeMetrics> = {};
    for (const [id, n] of Object.entries(raw.nodes)) {
      const delivery = n.kind === 'sink' ? deliverySince(current.doc.name, id, current.deliveryBase) : undefined;
      nodes[id] = { ...n, ...(ended ? { rateIn: 0, rateOut: 0 } : {}), ...(delivery ? { delivery } : {}) };
    }
    if (ended) for (const edge of edges) edge.eventsPerSecond = 0;
    current.latest = { runId: current.id, pipeline: raw.pipeline, at: raw.at, nodes, edges, checkpoints: raw.checkpoints };
    this.options.history.record(current.latest, this.options.clock.now());
  }

  private finish(current: Current, state: 'finished' | 'failed', error?: ErrorPayload): void {
    current.state = state;
    current.alerts.clear();
    current.endedAt = this.options.clock.now();
    if (error) current.error = error;
    current.tick?.cancel();
    current.tick = null;
    if (this.current !== current) return;
    this.sample(current);
    if (current.latest) this.options.events.emit({ type: 'metrics.tick', snapshot: current.latest });
    this.emitStatus();
    // The final commits happen as the run ends; announce them before anyone reloads the lake views.
    void this.watchLake(current);
  }

  private onRunEvent(runId: string, event: RunEvent): void {
    const current = this.current;
    if (!current || current.id !== runId) return;
    switch (event.type) {
      case 'log':
        this.log(event.node === null ? { at: event.at, level: event.level, message: event.message } : { at: event.at, level: event.level, message: event.message, nodeId: event.node });
        break;
      case 'error':
        this.log(event.node === null ? { at: event.at, level: 'error', message: `${event.error.code}: ${event.error.message}` } : { at: event.at, level: 'error', message: `${event.error.code}: ${event.error.message}`, nodeId: event.node });
        break;
      case 'restored':
        this.log({ at: event.at, level: 'info', message: `Resumed from checkpoint ${event.checkpointId}` });
        break;
      case 'checkpoint':
        break;
      case 'status':
      case 'finished':
        break;
    }
  }

  private log(entry: LogEntry): void {
    this.options.events.emit({ type: 'log', entry });
  }

  private emitStatus(): void {
    this.options.events.emit({ type: 'run.status', status: this.status() });
  }
}

function deadLetter(nodeId: string, port: 'error' | 'late', row: Record<string, unknown>): DeadLetterEntry {
  const at = row.at instanceof Date ? row.at.getTime() : typeof row.at === 'number' ? row.at : 0;
  const entry: DeadLetterEntry = {
    node: typeof row.node === 'string' ? row.node : nodeId,
    port,
    reason: typeof row.reason === 'string' ? row.reason : port === 'late' ? 'beyond the allowed lateness' : 'unknown',
    // A late event is the event itself; an error row carries the original payload.
    payload: port === 'late' && !('payload' in row) ? toWire(row) : toWire(row.payload),
    at,
  };
  if (row.source && typeof row.source === 'object') entry.source = toWireRow(row.source as Record<string, unknown>) as WireRow;
  return entry;
}
