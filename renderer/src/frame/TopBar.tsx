import { useCallback, useEffect, useRef, useState } from 'react';
import type { PipelineFileInfo } from '../../../engine/api/contract.ts';
import { useApi, useHost, useStudio, useStudioStore } from '../api/context.tsx';
import { exportJson, importText, newPipeline, openDialog, openExample, openFile, save } from '../files/actions.ts';
import { formatRate } from '../graph/catalog.ts';
import { FlinkExportDialog } from '../flink/FlinkExportDialog.tsx';
import { useDismiss } from '../hooks/useDismiss.ts';
import { RunControls } from '../run/RunControls.tsx';

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function RunStatusPill() {
  const status = useStudio((s) => s.status);
  const startedAt = useStudio((s) => s.startedAt);
  const rate = useStudio((s) => s.eventsPerSecond);
  const failure = useStudio((s) => s.failure);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (status !== 'running') return undefined;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [status]);
  const running = status === 'running';
  return (
    <span className="status-pill" role="status" aria-label="Run status" title={failure}>
      <span className={`dot ${status}`} />
      <span>{status}</span>
      {running && startedAt !== undefined && <span className="mono muted">{uptime(Math.max(0, now - startedAt))}</span>}
      {running && <span className="mono">{formatRate(rate)}</span>}
    </span>
  );
}

/** The engine's word on a run that had nothing to do ("Nothing new since checkpoint N…"), until the next run. */
function RunNotice() {
  const notice = useStudio((s) => s.notice);
  if (!notice) return null;
  return <span className="run-notice" role="note" aria-label="Run notice" title={notice}>{notice}</span>;
}

function FileMenu({ onClose, onExportFlink }: { onClose: () => void; onExportFlink: () => void }) {
  const api = useApi();
  const store = useStudioStore();
  const host = useHost();
  const [files, setFiles] = useState<PipelineFileInfo[]>([]);
  const [recent, setRecent] = useState<PipelineFileInfo[]>([]);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void api.fileRecent().then(setRecent, () => undefined);
    if (!host.nativeDialogs) void api.fileList().then(setFiles, () => undefined);
  }, [api, host.nativeDialogs]);
  const run = (task: () => unknown) => () => {
    onClose();
    void task();
  };
  return (
    <div className="menu" role="menu" aria-label="File">
      <button role="menuitem" onClick={run(() => newPipeline(store))}>New pipeline</button>
      <button role="menuitem" onClick={run(() => openDialog(api, store))}>Open…</button>
      <button role="menuitem" onClick={run(() => openExample(api, store))}>Open the sales example</button>
      <button role="menuitem" onClick={run(() => save(api, store, { nativeDialogs: host.nativeDialogs }))}>Save <kbd>Ctrl+S</kbd></button>
      <button role="menuitem" onClick={run(() => save(api, store, { as: true, nativeDialogs: host.nativeDialogs }))}>Save as…</button>
      <hr />
      <button role="menuitem" onClick={run(() => exportJson(api, store))}>Export JSON</button>
      <button role="menuitem" onClick={run(onExportFlink)}>Export Flink SQL…</button>
      <button role="menuitem" onClick={() => input.current?.click()}>Import JSON…</button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        aria-label="Import pipeline file"
        hidden
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          onClose();
          void file.text().then((text) => importText(api, store, file.name, text));
        }}
      />
      {(recent.length > 0 || files.length > 0) && <hr />}
      {recent.slice(0, 5).map((f) => (
        <button key={`r:${f.path}`} role="menuitem" aria-label={`Open recent ${f.path}`} onClick={run(() => openFile(api, store, f.path))}>
          <span>{f.name ?? f.path}</span>
          <span className="faint small">recent</span>
        </button>
      ))}
      {files.filter((f) => !recent.some((r) => r.path === f.path)).slice(0, 8).map((f) => (
        <button key={`f:${f.path}`} role="menuitem" aria-label={`Open ${f.path}`} onClick={run(() => openFile(api, store, f.path))}>
          <span>{f.name ?? f.path}</span>
          <span className="faint small mono">{f.path}</span>
        </button>
      ))}
    </div>
  );
}

export function TopBar() {
  const store = useStudioStore();
  const host = useHost();
  const name = useStudio((s) => s.graph.name);
  const dirty = useStudio((s) => s.revision !== s.savedRevision);
  // Opened (an example, an import) and not touched since: nothing would be lost, but nothing is on disk.
  const pristine = useStudio((s) => s.revision === s.pristineRevision);
  const fileName = useStudio((s) => s.fileName);
  const theme = useStudio((s) => s.theme);
  const [menu, setMenu] = useState(false);
  const [flink, setFlink] = useState(false);
  const menuArea = useRef<HTMLDivElement>(null);
  const closeMenu = useCallback(() => setMenu(false), []);
  useDismiss(menuArea, menu, closeMenu);
  return (
    <header className="topbar">
      <span className="brand"><span className="brand-mark" aria-hidden />Streamlake</span>
      <div ref={menuArea} style={{ position: 'relative' }}>
        <button className="ghost" aria-label="File menu" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu((m) => !m)}>File ▾</button>
        {menu && <FileMenu onClose={() => setMenu(false)} onExportFlink={() => setFlink(true)} />}
        {flink && <FlinkExportDialog onClose={() => setFlink(false)} />}
      </div>
      <input
        className="name-input"
        aria-label="Pipeline name"
        value={name}
        onChange={(e) => store.getState().apply({ kind: 'renamePipeline', name: e.target.value }, 'pipeline.name')}
      />
      <span className={`save-state ${dirty && !pristine ? 'dirty' : ''}`} aria-label="Save state">
        {dirty ? (pristine ? 'not saved yet' : 'unsaved changes') : fileName ? `saved · ${fileName}` : 'saved'}
      </span>
      <span className="spacer" />
      <RunControls />
      <RunStatusPill />
      <RunNotice />
      <span className="spacer" />
      <span className="host-mode" aria-label="Host mode">{host.mode === 'desktop' ? 'desktop' : 'browser'}</span>
      <button
        className="ghost"
        aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        onClick={() => store.getState().setUi({ theme: theme === 'dark' ? 'light' : 'dark' })}
      >
        {theme === 'dark' ? '☀' : '☾'}
      </button>
    </header>
  );
}
