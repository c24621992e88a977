import { useEffect, useState } from 'react';
import { useStudio, useStudioStore, useStudioWith } from '../api/context.tsx';
import { sameNodeMeaning } from '../graph/meaning.ts';
import { Inspector } from './Inspector.tsx';
import { LiveOutput } from './LiveOutput.tsx';

function Overview() {
  const nodes = useStudio((s) => s.graph.nodes.length);
  const edges = useStudio((s) => s.graph.edges.length);
  const problems = useStudio((s) => s.problems.length);
  const selected = useStudio((s) => s.selectedNodes.length);
  return (
    <section className="side-section" aria-label="Inspector">
      <h2>Pipeline</h2>
      <div className="stat-row">
        <div className="stat"><span className="v">{nodes}</span><span className="k">nodes</span></div>
        <div className="stat"><span className="v">{edges}</span><span className="k">edges</span></div>
        <div className="stat"><span className="v" style={problems > 0 ? { color: 'var(--error)' } : undefined}>{problems}</span><span className="k">problems</span></div>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        {selected > 1 ? `${selected} nodes selected. ` : ''}Select a node to edit it and see its live output.
      </p>
      <h3>Shortcuts</h3>
      <div className="small muted col" style={{ gap: 2 }}>
        <span><kbd>Ctrl+Enter</kbd> run · <kbd>Ctrl+S</kbd> save · <kbd>/</kbd> search nodes</span>
        <span><kbd>Delete</kbd> delete · <kbd>Ctrl+C</kbd>/<kbd>V</kbd> copy/paste · <kbd>F</kbd> fit</span>
        <span><kbd>Ctrl+Z</kbd> undo · <kbd>Ctrl+Shift+Z</kbd> redo · <kbd>Shift</kbd>-drag to select</span>
      </div>
    </section>
  );
}

export function RightPanel() {
  const selectedId = useStudio((s) => (s.selectedNodes.length === 1 ? s.selectedNodes[0] : undefined));
  // The form does not depend on where the node is drawn: dragging it re-renders nothing here.
  const node = useStudioWith((s) => (selectedId === undefined ? undefined : s.graph.nodes.find((n) => n.id === selectedId)), sameNodeMeaning);
  const running = useStudio((s) => s.status === 'running');
  const [tab, setTab] = useState<'config' | 'output'>('config');
  // Starting a run is when people want to see data: follow them there, once.
  useEffect(() => {
    if (running) setTab('output');
  }, [running]);
  const store = useStudioStore();
  return (
    <aside className="side" aria-label="Right panel">
      <button className="ghost small side-collapse" aria-label="Hide inspector" title="Hide the inspector; the canvas takes its room" onClick={() => store.getState().setUi({ rightOpen: false })}>▸</button>
      {node ? (
        <>
          <div className="tabs" role="tablist" aria-label="Node panel" style={{ minHeight: 32 }}>
            <button role="tab" className="tab" aria-selected={tab === 'config'} onClick={() => setTab('config')}>Config</button>
            <button role="tab" className="tab" aria-selected={tab === 'output'} onClick={() => setTab('output')}>Output</button>
          </div>
          {tab === 'config' ? <Inspector key={node.id} node={node} /> : <LiveOutput key={`out-${node.id}`} node={node} />}
        </>
      ) : (
        <Overview />
      )}
    </aside>
  );
}
