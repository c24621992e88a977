import { useEffect } from 'react';
import { useStudio, useStudioStore } from '../api/context.tsx';

export function Notices() {
  const store = useStudioStore();
  const notices = useStudio((s) => s.notices);
  useEffect(() => {
    if (notices.length === 0) return undefined;
    const oldest = notices[0];
    const timer = window.setTimeout(() => oldest && store.getState().dismiss(oldest.id), oldest?.tone === 'error' ? 9000 : 4000);
    return () => window.clearTimeout(timer);
  }, [notices, store]);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'}>
          <span className="grow">{n.text}</span>
          <button className="ghost small" aria-label="Dismiss" onClick={() => store.getState().dismiss(n.id)}>✕</button>
        </div>
      ))}
    </div>
  );
}

/** The import refusal: every problem with its JSON path; the canvas was left as it was. */
export function ImportProblemsDialog() {
  const store = useStudioStore();
  const dialog = useStudio((s) => s.dialog);
  if (dialog?.kind !== 'import-problems') return null;
  const close = () => store.getState().setUi({ dialog: undefined });
  return (
    <div className="backdrop" onClick={close}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Import problems" onClick={(e) => e.stopPropagation()}>
        <h2>{dialog.fileName} was not imported</h2>
        <p className="muted" style={{ margin: 0 }}>
          It has {dialog.problems.length} problem{dialog.problems.length === 1 ? '' : 's'}. The canvas is unchanged.
        </p>
        <ul aria-label="Problems">
          {dialog.problems.map((p, i) => (
            <li key={i}>
              <code className="faint">{p.path || '/'}</code> {p.message}
              {p.position !== undefined && <span className="faint"> (at character {p.position})</span>}
            </li>
          ))}
        </ul>
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button className="primary" onClick={close}>Close</button>
        </div>
      </div>
    </div>
  );
}
