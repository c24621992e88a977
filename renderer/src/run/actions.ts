import type { StudioClient } from '../../../engine/api/contract.ts';
import { docFromGraph } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';
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
  store.setState({ runningMeaning: runMeaning(state.graph) });
  try {
    const status = await withBudget(api.runStart({ doc: docFromGraph(state.graph) }), 'the start of the run');
    const details: { runId?: string; startedAt?: number } = {};
    if (status.runId !== null) details.runId = status.runId;
    if (status.startedAt !== null) details.startedAt = status.startedAt;
    store.getState().setStatus(status.state, details);
  } catch (error) {
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

/** Drops the checkpointed state of this pipeline so the next run starts from the beginning. */
export async function resetRun(api: StudioClient, store: StudioStore): Promise<void> {
  try {
    await api.runReset({ pipelineName: store.getState().graph.name });
    store.getState().resetRun();
    store.getState().notify('info', 'State reset: the next run starts from the beginning');
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
