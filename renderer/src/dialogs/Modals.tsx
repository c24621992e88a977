// Draws the question the store is asking (store/modal.ts): a confirmation, a name, Save as with the
// pipelines already saved, or Open with saved pipelines and examples. Escape and the backdrop cancel;
// Enter confirms where the answer is valid.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { ExampleInfo, PipelineFileInfo } from '../../../engine/api/contract.ts';
import { useApi, useHost, useStudio } from '../api/context.tsx';
import type { Modal } from '../store/modal.ts';

/** A description that takes the room left beside the title and is cut there (the title never is). */
const clipped = { flex: '1 1 auto', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', textAlign: 'right' } as const;

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

function Frame({ title, role = 'dialog', onCancel, children }: { title: string; role?: 'dialog' | 'alertdialog'; onCancel: () => void; children: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      onCancel();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onCancel]);
  return (
    <div className="backdrop" onClick={onCancel}>
      <div className="dialog" role={role} aria-modal="true" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

function Buttons({ confirmLabel, disabled = false, danger = false, onCancel, cancelRef }: { confirmLabel: string; disabled?: boolean; danger?: boolean; onCancel: () => void; cancelRef?: React.RefObject<HTMLButtonElement | null> }) {
  return (
    <div className="row">
      <span className="grow" />
      <button type="button" ref={cancelRef} onClick={onCancel}>Cancel</button>
      <button type="submit" className={danger ? 'primary danger' : 'primary'} disabled={disabled}>{confirmLabel}</button>
    </div>
  );
}

function Confirm({ modal }: { modal: Extract<Modal, { kind: 'confirm' }> }) {
  const cancel = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus: Enter right after the question appears must not throw work away.
  useEffect(() => cancel.current?.focus(), []);
  const no = () => modal.resolve(false);
  return (
    <Frame title={modal.title} role="alertdialog" onCancel={no}>
      <form className="col" onSubmit={(e) => { e.preventDefault(); modal.resolve(true); }}>
        <p className="muted" style={{ margin: 0 }}>{modal.body}</p>
        <Buttons confirmLabel={modal.confirmLabel} danger={modal.danger} onCancel={no} cancelRef={cancel} />
      </form>
    </Frame>
  );
}

function TextQuestion({ modal }: { modal: Extract<Modal, { kind: 'text' }> }) {
  const [value, setValue] = useState(modal.initial);
  const error = modal.check(value);
  const no = () => modal.resolve(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!error) modal.resolve(value.trim());
  };
  return (
    <Frame title={modal.title} onCancel={no}>
      <form className="col" onSubmit={submit}>
        <label className="col" style={{ gap: 4 }}>
          <span>{modal.label}</span>
          <input autoFocus value={value} aria-invalid={error !== null} onChange={(e) => setValue(e.target.value)} />
        </label>
        <span className={error && value ? 'field-error' : 'muted small'} role={error && value ? 'alert' : undefined}>{error && value ? error : modal.hint}</span>
        <Buttons confirmLabel={modal.confirmLabel} disabled={error !== null} onCancel={no} />
      </form>
    </Frame>
  );
}

/** A file name in the pipelines folder: letters, digits and - _ . only, ending in .json. */
export function pipelineFileName(typed: string): string {
  const name = typed.trim();
  return name.toLowerCase().endsWith('.json') ? name : `${name}.json`;
}

function fileNameProblem(typed: string): string | null {
  const name = typed.trim();
  if (!name) return 'Type a file name';
  if (/[/\\]/.test(name)) return 'A name only: files are saved in the pipelines folder';
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/.test(name)) return 'Use letters, digits, spaces, - _ and . (starting with a letter or digit)';
  return null;
}

function SaveAs({ modal }: { modal: Extract<Modal, { kind: 'save-as' }> }) {
  const api = useApi();
  const host = useHost();
  const [value, setValue] = useState(modal.initial);
  const [files, setFiles] = useState<PipelineFileInfo[] | null>(null);
  useEffect(() => {
    api.fileList().then(setFiles, () => setFiles([]));
  }, [api]);
  const error = fileNameProblem(value);
  const target = error ? null : pipelineFileName(value);
  const existing = target ? files?.find((f) => f.path === target) : undefined;
  const no = () => modal.resolve(null);
  return (
    <Frame title="Save pipeline as" onCancel={no}>
      <form className="col" onSubmit={(e) => { e.preventDefault(); if (target) modal.resolve(target); }}>
        <label className="col" style={{ gap: 4 }}>
          <span>File name</span>
          <input autoFocus value={value} aria-invalid={error !== null} onChange={(e) => setValue(e.target.value)} />
        </label>
        {error && value ? <span className="field-error" role="alert">{error}</span> : (
          <span className={existing ? 'field-error' : 'muted small'} role={existing ? 'alert' : undefined}>
            {existing ? `${existing.path} exists (${existing.name ?? 'unreadable'}, saved ${when(existing.modifiedAt)}); saving replaces it.` : `Saved in ${host.pipelinesDir}`}
          </span>
        )}
        {files && files.length > 0 && (
          <div className="list" role="listbox" aria-label="Saved pipelines" style={{ maxHeight: 200, overflow: 'auto' }}>
            {files.map((f) => (
              <button type="button" key={f.path} role="option" aria-selected={f.path === target} className={`list-item ${f.path === target ? 'active' : ''}`} onClick={() => setValue(f.path)}>
                <span className="mono">{f.path}</span>
                <span className="faint small">{f.name ?? '—'} · {when(f.modifiedAt)}</span>
              </button>
            ))}
          </div>
        )}
        <Buttons confirmLabel={existing ? 'Replace' : 'Save'} disabled={error !== null} danger={existing !== undefined} onCancel={no} />
      </form>
    </Frame>
  );
}

function OpenDialog({ modal }: { modal: Extract<Modal, { kind: 'open' }> }) {
  const api = useApi();
  const host = useHost();
  const [files, setFiles] = useState<PipelineFileInfo[] | null>(null);
  const [examples, setExamples] = useState<ExampleInfo[] | null>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    const list = host.nativeDialogs ? api.fileRecent() : api.fileList();
    list.then(setFiles, () => setFiles([]));
    api.examplesList().then(setExamples, () => setExamples([]));
  }, [api, host.nativeDialogs]);
  const q = filter.trim().toLowerCase();
  const shownFiles = useMemo(() => (files ?? []).filter((f) => !q || `${f.path} ${f.name ?? ''}`.toLowerCase().includes(q)), [files, q]);
  const shownExamples = useMemo(() => (examples ?? []).filter((e) => !q || `${e.title} ${e.description}`.toLowerCase().includes(q)), [examples, q]);
  const no = () => modal.resolve(null);
  return (
    <Frame title="Open pipeline" onCancel={no}>
      <input type="search" autoFocus aria-label="Filter pipelines" placeholder="Filter by name" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <h3>{host.nativeDialogs ? 'Recent pipelines' : 'Saved pipelines'}</h3>
      {files === null ? <p className="muted small">Loading…</p> : shownFiles.length === 0 ? (
        <p className="muted small">{files.length === 0 ? (host.nativeDialogs ? 'No recent files yet.' : `Nothing saved yet in ${host.pipelinesDir}.`) : 'No saved pipeline matches.'}</p>
      ) : (
        <div className="list" role="listbox" aria-label="Saved pipelines">
          {shownFiles.map((f) => (
            <button key={f.path} role="option" aria-selected={false} aria-label={`Open ${f.path}`} className="list-item" onClick={() => modal.resolve({ kind: 'file', path: f.path })}>
              <span>{f.name ?? <span className="faint">unreadable</span>}</span>
              <span className="faint small mono">{f.path} · {when(f.modifiedAt)}</span>
            </button>
          ))}
        </div>
      )}
      <h3>Examples</h3>
      {examples === null ? <p className="muted small">Loading…</p> : (
        <div className="list" role="listbox" aria-label="Examples">
          {shownExamples.map((e) => (
            <button key={e.id} role="option" aria-selected={false} aria-label={`Open example ${e.title}`} className="list-item" onClick={() => modal.resolve({ kind: 'example', id: e.id })}>
              <span style={{ flex: 'none' }}>{e.title}</span>
              <span className="faint small" style={clipped} title={e.description}>{e.description}</span>
            </button>
          ))}
        </div>
      )}
      <div className="row">
        {host.nativeDialogs && <button onClick={() => modal.resolve({ kind: 'browse' })}>Browse…</button>}
        <span className="grow" />
        <button onClick={no}>Cancel</button>
      </div>
    </Frame>
  );
}

export function Modals() {
  const modal = useStudio((s) => s.modal);
  if (!modal) return null;
  switch (modal.kind) {
    case 'confirm':
      return <Confirm modal={modal} />;
    case 'text':
      return <TextQuestion key={modal.title} modal={modal} />;
    case 'save-as':
      return <SaveAs modal={modal} />;
    case 'open':
      return <OpenDialog modal={modal} />;
  }
}
