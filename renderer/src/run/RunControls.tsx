// Run, Pause/Resume, Stop, Reset, and Apply when the pipeline was edited while it runs: the run keeps the
// pipeline it started with until the edits are applied, and the bar says so instead of ignoring them.
import { useEffect, useState } from 'react';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { applyEdits, askReset, pauseRun, resumeRun, startRun, stopRun } from './actions.ts';
import { runMeaning } from './meaning.ts';

function EditsFlag() {
  const api = useApi();
  const store = useStudioStore();
  const edited = useStudio((s) => (s.status === 'running' || s.status === 'paused') && s.runningMeaning !== undefined && s.runningMeaning !== runMeaning(s.graph));
  const [reasons, setReasons] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!edited) setReasons([]);
  }, [edited]);
  if (!edited) return null;
  const apply = async () => {
    setBusy(true);
    setReasons(await applyEdits(api, store));
    setBusy(false);
  };
  return (
    <span className="edits-flag" role="status" aria-label="Edits not applied">
      <span title="The run still uses the pipeline as it was when it started">edited while running</span>
      <button className="primary small" aria-label="Apply edits" disabled={busy} onClick={() => void apply()} title="Restart from the last checkpoint with the edited pipeline">{busy ? 'Applying…' : 'Apply'}</button>
      {reasons.length > 0 && (
        <span className="edits-refused" role="alert" aria-label="Why the edits cannot be applied">
          Cannot apply: {reasons.join('; ')}. Stop, reset the state and run again to use them.
        </span>
      )}
    </span>
  );
}

export function RunControls() {
  const api = useApi();
  const store = useStudioStore();
  const status = useStudio((s) => s.status);
  const busy = status === 'running' || status === 'starting' || status === 'stopping' || status === 'paused';
  return (
    <>
      <button className="primary" aria-label="Run pipeline" disabled={busy} onClick={() => void startRun(api, store)} title="Run (Ctrl+Enter)">▶ Run</button>
      {status === 'paused' ? (
        <button aria-label="Resume pipeline" onClick={() => void resumeRun(api, store)} title="Let the sources read again">▶ Resume</button>
      ) : (
        <button aria-label="Pause pipeline" disabled={status !== 'running'} onClick={() => void pauseRun(api, store)} title="Hold the sources; what is in flight drains">❚❚ Pause</button>
      )}
      <button aria-label="Stop pipeline" disabled={status !== 'running' && status !== 'starting' && status !== 'paused'} onClick={() => void stopRun(api, store)}>■ Stop</button>
      <button aria-label="Reset state" disabled={busy} onClick={() => void askReset(api, store)} title="Forget checkpointed state so the next run starts fresh (asks what to do with the tables it wrote)">↺ Reset</button>
      <EditsFlag />
    </>
  );
}
