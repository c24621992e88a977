// Boot: connect to whichever host served the page, read what it is, then mount the studio.
import '@xyflow/react/dist/style.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { connectStudio } from '../../engine/api/connect.ts';
import { isEngineError } from '../../engine/errors.ts';
import { App } from './App.tsx';
import { StudioProvider } from './api/context.tsx';
import { TokenPage } from './frame/TokenPage.tsx';
import { createStudioStore } from './store/index.ts';
import type { Theme } from './store/types.ts';

const themeKey = 'streamlake.theme';

function savedTheme(): Theme {
  const saved = window.localStorage.getItem(themeKey);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

async function boot(): Promise<void> {
  const rootElement = document.getElementById('root');
  if (!rootElement) throw new Error('index.html has no #root element');
  const root = createRoot(rootElement);
  const store = createStudioStore({ theme: savedTheme() });
  document.documentElement.dataset.theme = store.getState().theme;
  // A small window starts with the canvas first: the inspector folded away (its strip brings it back)
  // and a lower dock, so the pipeline is not squeezed into a third of the screen.
  if (window.innerWidth < 1200) store.setState({ rightOpen: false });
  if (window.innerHeight < 800) store.setState({ dockHeight: Math.max(160, Math.round(window.innerHeight * 0.3)) });
  store.subscribe((s, previous) => {
    if (s.theme === previous.theme) return;
    document.documentElement.dataset.theme = s.theme;
    window.localStorage.setItem(themeKey, s.theme);
  });
  try {
    const connection = await connectStudio();
    store.setState({ hostControl: { reconnect: connection.reconnect, probe: connection.probe, close: connection.close } });
    connection.onConnectionChange((connected) => store.setState({ hostConnected: connected }));
    await connection.ready;
    const host = await connection.client.hostInfo();
    root.render(
      <StudioProvider value={{ api: connection.client, store, host }}>
        <App />
      </StudioProvider>,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isEngineError(error) && error.code === 'ENG_HOST_AUTH') {
      root.render(<TokenPage reason={message} />);
      return;
    }
    root.render(
      <div className="empty" role="alert" style={{ marginTop: '20vh' }}>
        <h2>Streamlake Studio could not reach its engine</h2>
        <p>{message}</p>
      </div>,
    );
  }
}

void boot();
