import type { ResetTables, StudioClient } from '../../../engine/api/contract.ts';
import { docFromGraph } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';
import { askTrust, trustReportOf } from './trust.ts';
import { runMeaning } from './meaning.ts';

/** Starting answers in well under a second; past this the engine is taken for gone, not still starting. */
const startBudgetMs = 20_000;

function withBudget<T>(call: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error(`The engine did not answer ${what} within ${startBudgetMs / 1000} s; check the banner above the canvas`)), startBudgetMs);
    call.then(resolve, reject).finally(() => window.clearTimeout(timer));
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function startRun(api: StudioClient, store: StudioStore): Promise<void> {
  const state = store.getState();
  if (state.status === 'running' || state.status === 'starting' || state.status === 'paused') return;
  if (!state.hostConnected) {
    store.getState().notify('error', 'Cannot run: the studio engine is not reachable (see the banner above the canvas)');
    return;
  }
  const problems = state.problems;
  if (problems.length > 0) {
    store.getState().setUi({ dockOpen: true, dockTab: 'problems' });
    store.getState().notify('error', `Fix ${problems.length} problem${problems.length === 1 ? '' : 's'} before running: ${problems[0]?.message ?? ''}`);
    return;
  }
  store.getState().resetRun();
  store.getState().setStatus('starting');
  const doc = docFromGraph(state.graph);
  store.setState({ runningMeaning: runMeaning(state.graph) });
  try {
    const status = await withBudget(api.runStart({ doc }), 'the start of the run');
    const details: { runId?: string; startedAt?: number } = {};
    if (status.runId !== null) details.runId = status.runId;
    if (status.startedAt !== null) details.startedAt = status.startedAt;
    store.getState().setStatus(status.state, details);
  } catch (error) {
    const report = trustReportOf(error);
    if (report) {
      // Not a failure: the host waits for the user to say whether this pipeline may reach that far.
      store.getState().setStatus('idle');
      try {
        if (await askTrust(api, doc, report)) return startRun(api, store);
        store.getState().notify('info', 'Not run: the pipeline was not trusted');
      } catch (trustError) {
        store.getState().notify('error', `Could not trust the pipeline: ${message(trustError)}`);
      }
      return;
    }
    store.getState().setStatus('failed', { failure: message(error) });
    store.getState().notify('error', `Could not start: ${message(error)}`);
  }
}

export async function stopRun(api: StudioClient, store: StudioStore): Promise<void> {
  const status = store.getState().status;
  if (status !== 'running' && status !== 'starting' && status !== 'paused') return;
  store.getState().setStatus('stopping');
  try {
    const result = await api.runStop();
    store.getState().setStatus(result.state === 'idle' ? 'stopped' : result.state);
  } catch (error) {
    store.getState().notify('error', `Could not stop: ${message(error)}`);
  }
}

/** The lake tables (and branches) the pipeline's sink.lake nodes write, each once. */
export function pipelineTables(store: StudioStore): { table: string; branch: string }[] {
  const out: { table: string; branch: string }[] = [];
  for (const node of store.getState().graph.nodes) {
    if (node.type !== 'sink.lake') continue;
    const config = node.config as { table?: unknown; branch?: unknown };
    if (typeof config.table !== 'string' || config.table === '') continue;
    const branch = typeof config.branch === 'string' && config.branch !== '' ? config.branch : 'main';
    if (!out.some((t) => t.table === config.table && t.branch === branch)) out.push({ table: config.table, branch });
  }
  return out;
}

/**
 * Reset starts with a question when the pipeline writes lake tables: forgetting the checkpoints makes the
 * next run read its input again, so the rows already in those tables would be written twice.
 */
export function askReset(api: StudioClient, store: StudioStore): Promise<void> {
  const tables = pipelineTables(store);
  if (tables.length === 0) return resetRun(api, store);
  store.getState().setUi({ dialog: { kind: 'reset', pipelineName: store.getState().graph.name, tables } });
  return Promise.resolve();
}

/** Drops the checkpointed state of this pipeline so the next run starts from the beginning; `tables` says what happens to its lake tables. */
export async function resetRun(api: StudioClient, store: StudioStore, tables?: ResetTables): Promise<void> {
  const state = store.getState();
  try {
    // The document goes along so the host also forgets the consumer groups of the Kafka sources.
    const doc = docFromGraph(state.graph);
    const result = await api.runReset(tables ? { pipelineName: state.graph.name, doc, tables } : { pipelineName: state.graph.name, doc });
    store.getState().resetRun();
    const emptied = result.tables.filter((t) => t.action === 'emptied');
    const kept = result.tables.filter((t) => t.action === 'kept');
    const what = tables === 'replace'
      ? `; ${emptied.length} table${emptied.length === 1 ? '' : 's'} emptied (${emptied.map((t) => `${t.table}: ${t.rowsRemoved.toLocaleString()} rows`).join(', ') || 'none written yet'}), history kept`
      : tables === 'append' ? `; the next run appends to ${kept.length} table${kept.length === 1 ? '' : 's'}` : '';
    const groups = result.groups.filter((g) => g.action === 'deleted').map((g) => g.group);
    const offsets = groups.length ? `; consumer group${groups.length === 1 ? '' : 's'} ${groups.join(', ')} deleted` : '';
    store.getState().notify('info', `State reset: the next run starts from the beginning${what}${offsets}`);
  } catch (error) {
    store.getState().notify('error', `Could not reset: ${message(error)}`);
  }
}

export async function pauseRun(api: StudioClient, store: StudioStore): Promise<void> {
  try {
    const status = await api.runPause();
    store.getState().setStatus(status.state);
  } catch (error) {
    store.getState().notify('error', `Could not pause: ${message(error)}`);
  }
}

export async function resumeRun(api: StudioClient, store: StudioStore): Promise<void> {
  try {
    const status = await api.runResume();
    store.getState().setStatus(status.state);
  } catch (error) {
    store.getState().notify('error', `Could not resume: ${message(error)}`);
  }
}

/**
 * Takes the edits made during the run into it: the engine restarts from its last checkpoint with the
 * edited pipeline, or says why the edit cannot keep that state. Resolves with those reasons (empty when applied).
 */
export async function applyEdits(api: StudioClient, store: StudioStore): Promise<string[]> {
  const graph = store.getState().graph;
  try {
    const result = await api.runApply({ doc: docFromGraph(graph) });
    if (!result.applied) return result.reasons;
    store.setState({ runningMeaning: runMeaning(graph) });
    store.getState().notify('success', 'Edits applied: the run restarted from its last checkpoint');
    return [];
  } catch (error) {
    return [message(error)];
  }
}
