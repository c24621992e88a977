import type { StudioClient } from '../../../engine/api/contract.ts';
import { docFromGraph } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';
import { askTrust, trustReportOf } from './trust.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function startRun(api: StudioClient, store: StudioStore): Promise<void> {
  const state = store.getState();
  if (state.status === 'running' || state.status === 'starting') return;
  const problems = state.problems;
  if (problems.length > 0) {
    store.getState().setUi({ dockOpen: true, dockTab: 'problems' });
    store.getState().notify('error', `Fix ${problems.length} problem${problems.length === 1 ? '' : 's'} before running: ${problems[0]?.message ?? ''}`);
    return;
  }
  store.getState().resetRun();
  store.getState().setStatus('starting');
  const doc = docFromGraph(state.graph);
  try {
    const status = await api.runStart({ doc });
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
  if (status !== 'running' && status !== 'starting') return;
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
