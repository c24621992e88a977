// The window: top bar, left rail, centre view, inspector and the bottom dock, all resizable.
import { ReactFlowProvider } from '@xyflow/react';
import { lazy, Suspense, useEffect, useRef } from 'react';
import { useApi, useHost, useStudio, useStudioStore } from './api/context.tsx';
import { Canvas } from './canvas/Canvas.tsx';
import { isTyping } from './canvas/shortcuts.ts';
import { Modals } from './dialogs/Modals.tsx';
import { Dock } from './dock/Dock.tsx';
import { save } from './files/actions.ts';
import { useAutosave } from './files/useAutosave.ts';
import { EngineBanner } from './frame/EngineBanner.tsx';
import { ImportProblemsDialog, Notices } from './frame/Overlays.tsx';
import { ResetDialog } from './frame/ResetDialog.tsx';
import { Splitter } from './frame/Splitter.tsx';
import { TokenPage } from './frame/TokenPage.tsx';
import { TopBar } from './frame/TopBar.tsx';
import { useRunEvents } from './hooks/useRunEvents.ts';
import { useValidation } from './hooks/useValidation.ts';
import { RightPanel } from './inspector/RightPanel.tsx';
import { LeftRail } from './rail/LeftRail.tsx';
import { startRun } from './run/actions.ts';
import { TrustDialog } from './run/TrustDialog.tsx';
import { Loading } from './ui/Loading.tsx';

// Views other than the canvas are split out of the first bundle and loaded when first opened.
const KafkaBrowser = lazy(() => import('./kafka/KafkaBrowser.tsx').then((m) => ({ default: m.KafkaBrowser })));
const LakeExplorer = lazy(() => import('./lake/LakeExplorer.tsx').then((m) => ({ default: m.LakeExplorer })));

function useGlobalShortcuts(): void {
  const api = useApi();
  const store = useStudioStore();
  const host = useHost();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void save(api, store, { nativeDialogs: host.nativeDialogs });
      } else if (mod && e.key === 'Enter' && !isTyping(e.target)) {
        e.preventDefault();
        void startRun(api, store);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [api, store, host.nativeDialogs]);
}

/** The studio's background work, in a component of its own so what it watches re-renders nothing else. */
function Effects() {
  useRunEvents();
  useValidation();
  useAutosave();
  useGlobalShortcuts();
  return null;
}

function Layout() {
  const store = useStudioStore();
  const leftTab = useStudio((s) => s.leftTab);
  const leftOpen = useStudio((s) => s.leftOpen);
  const leftWidth = useStudio((s) => s.leftWidth);
  const rightWidth = useStudio((s) => s.rightWidth);
  const rightOpen = useStudio((s) => s.rightOpen);
  const dockOpen = useStudio((s) => s.dockOpen);
  const dockHeight = useStudio((s) => s.dockHeight);
  const start = useRef(0);
  // The Connections rail keeps the canvas and inspector beside it: connections are made while building.
  const onCanvas = leftTab === 'pipeline' || leftTab === 'connections';
  const showRight = onCanvas;
  return (
    <div className="app">
      <Effects />
      <TopBar />
      <EngineBanner />
      <div className="body" style={{ gridTemplateColumns: leftOpen ? `${leftWidth + 44}px 4px 1fr` : '44px 0 1fr' }}>
        <LeftRail />
        {leftOpen ? (
          <Splitter direction="v" label="Resize left rail" onDrag={(d, begin) => {
            if (begin) start.current = store.getState().leftWidth;
            store.getState().setUi({ leftWidth: Math.min(520, Math.max(180, start.current + d)) });
          }} />
        ) : <span />}
        <div className="main-col" style={{ gridTemplateRows: dockOpen ? `1fr 4px ${dockHeight}px` : '1fr 0 32px' }}>
          <div className="center-row" style={{ gridTemplateColumns: showRight ? (rightOpen ? `1fr 4px ${rightWidth}px` : '1fr 0 28px') : '1fr' }}>
            {onCanvas && <Canvas />}
            {leftTab === 'kafka' && <Suspense fallback={<Loading what="the Kafka browser" />}><KafkaBrowser /></Suspense>}
            {leftTab === 'lake' && <Suspense fallback={<Loading what="the lake explorer" />}><LakeExplorer /></Suspense>}
            {showRight && !rightOpen && <span />}
            {showRight && !rightOpen && (
              <button className="side-strip" aria-label="Show inspector" title="Show the inspector" onClick={() => store.getState().setUi({ rightOpen: true })}>◂</button>
            )}
            {showRight && rightOpen && (
              <Splitter direction="v" label="Resize inspector" onDrag={(d, begin) => {
                if (begin) start.current = store.getState().rightWidth;
                store.getState().setUi({ rightWidth: Math.min(760, Math.max(260, start.current - d)) });
              }} />
            )}
            {showRight && rightOpen && <RightPanel />}
          </div>
          {dockOpen ? (
            <Splitter direction="h" label="Resize dock" onDrag={(d, begin) => {
              if (begin) start.current = store.getState().dockHeight;
              store.getState().setUi({ dockHeight: Math.min(window.innerHeight - 160, Math.max(120, start.current - d)) });
            }} />
          ) : <span />}
          <Dock />
        </div>
      </div>
      <Notices />
      <ImportProblemsDialog />
      <TrustDialog />
      <ResetDialog />
      <Modals />
    </div>
  );
}

// Named for React DevTools and the render-count e2e check (minified builds lose function names).
Layout.displayName = 'Layout';

export function App() {
  const tokenRejected = useStudio((s) => s.tokenRejected);
  if (tokenRejected) return <TokenPage reason={tokenRejected} />;
  return (
    <ReactFlowProvider>
      <Layout />
    </ReactFlowProvider>
  );
}
