// Reset's question: what happens to the lake tables this pipeline already wrote. Replacing (the default)
// empties them in one delete snapshot, so the next run leaves exactly its own rows and time travel still
// shows the old ones; appending keeps them and adds the next run's rows again.
import { useState } from 'react';
import type { ResetTables } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { resetRun } from '../run/actions.ts';

export function ResetDialog() {
  const api = useApi();
  const store = useStudioStore();
  const dialog = useStudio((s) => s.dialog);
  const [mode, setMode] = useState<ResetTables>('replace');
  const [busy, setBusy] = useState(false);
  if (dialog?.kind !== 'reset') return null;
  const close = () => {
    setMode('replace');
    store.getState().setUi({ dialog: undefined });
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await resetRun(api, store, mode);
    } finally {
      setBusy(false);
      close();
    }
  };
  const count = dialog.tables.length;
  return (
    <div className="backdrop" onClick={busy ? undefined : close}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Reset pipeline" onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => { if (e.key === 'Escape' && !busy) close(); }}>
        <h2>Reset “{dialog.pipelineName}”?</h2>
        <p className="muted" style={{ margin: 0 }}>
          The next run reads its input from the beginning again. What should happen to the {count === 1 ? 'table' : `${count} tables`} it writes?
        </p>
        <ul aria-label="Tables the pipeline writes">
          {dialog.tables.map((t) => <li key={`${t.table}@${t.branch}`}><code>{t.table}</code>{t.branch !== 'main' && <span className="faint"> (branch {t.branch})</span>}</li>)}
        </ul>
        <fieldset className="reset-choice" disabled={busy}>
          <legend className="sr-only">Tables</legend>
          <label>
            <input type="radio" name="reset-tables" value="replace" checked={mode === 'replace'} onChange={() => setMode('replace')} autoFocus />
            <span><strong>Replace their contents</strong><br /><span className="muted small">Empty them in one snapshot, so the next run leaves exactly its own rows. History stays: time travel still shows the old rows.</span></span>
          </label>
          <label>
            <input type="radio" name="reset-tables" value="append" checked={mode === 'append'} onChange={() => setMode('append')} />
            <span><strong>Append again</strong><br /><span className="muted small">Keep their rows; the next run adds its rows to them, so rows it already wrote will be there twice.</span></span>
          </label>
        </fieldset>
        <div className="row" style={{ justifyContent: 'flex-end', gap: 8 }}>
          <button onClick={close} disabled={busy}>Cancel</button>
          <button className="primary" onClick={() => void confirm()} disabled={busy}>{busy ? 'Resetting…' : mode === 'replace' ? 'Reset and empty tables' : 'Reset and keep rows'}</button>
        </div>
      </div>
    </div>
  );
}
