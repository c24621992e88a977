// The renderer's one entry point: picks the transport of whichever host loaded the page, so screens only
// ever see a StudioClient. Desktop: the preload bridge. Browser: a WebSocket to the web host, with the
// per-launch token taken from `?token=` once, then kept in sessionStorage and removed from the address
// bar (so it does not end up in bookmarks, screenshots or the Referer of a link). The token is checked
// with one plain request before the socket opens: a WebSocket refused with 401 only says "closed", and
// the page would retry a stale token for ever instead of saying what to do.
import { EngineError } from '../errors.ts';
import { createClient } from './client.ts';
import type { StudioClient } from './contract.ts';
import { createElectronTransport, preloadBridge } from './transport-electron.ts';
import { createWsTransport } from './transport-ws.ts';

const tokenKey = 'streamlake.token';

/** What a look at the host found: it answers, it refuses the token (with its words), or nothing answers. */
export type HostProbe = { state: 'ok' } | { state: 'auth'; message: string } | { state: 'down'; message: string };

export interface Connection {
  client: StudioClient;
  mode: 'desktop' | 'browser';
  /** Browser mode: resolves when the socket is open. Desktop: at once. */
  ready: Promise<void>;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Connect now instead of at the next backoff step. */
  reconnect(): void;
  /** Is the host there, and does it take our token? */
  probe(): Promise<HostProbe>;
  /** Stops for good (no more reconnecting), e.g. once the host refused the token. */
  close(): void;
}

/** Asks the host one cheap question with the token, over plain HTTP. */
export async function probeHost(baseUrl: string, token: string): Promise<HostProbe> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/hostInfo', baseUrl), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Streamlake-Token': token }, body: '{}', cache: 'no-store' });
  } catch (error) {
    return { state: 'down', message: `The studio host at ${baseUrl} does not answer (${error instanceof Error ? error.message : String(error)})` };
  }
  if (response.ok) return { state: 'ok' };
  const body = (await response.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`;
  if (response.status === 401 || body?.error?.code === 'ENG_HOST_AUTH') return { state: 'auth', message };
  return { state: 'down', message };
}

export async function connectStudio(): Promise<Connection> {
  const bridge = preloadBridge();
  if (bridge) {
    return { client: createClient(createElectronTransport(bridge)), mode: 'desktop', ready: Promise.resolve(), onConnectionChange: () => () => {}, reconnect: () => {}, probe: async () => ({ state: 'ok' }), close: () => {} };
  }
  const token = pageToken();
  const baseUrl = window.location.origin;
  const probe = () => probeHost(baseUrl, token);
  const first = await probe();
  if (first.state === 'auth') {
    // A stale token must not come back from sessionStorage on the next load.
    window.sessionStorage.removeItem(tokenKey);
    throw new EngineError('ENG_HOST_AUTH', first.message);
  }
  const changeListeners = new Set<(connected: boolean) => void>();
  const transport = createWsTransport({
    baseUrl,
    token,
    onConnectionChange: (connected) => {
      for (const l of changeListeners) l(connected);
    },
  });
  return {
    client: createClient(transport),
    mode: 'browser',
    ready: transport.ready(),
    onConnectionChange(listener) {
      changeListeners.add(listener);
      return () => {
        changeListeners.delete(listener);
      };
    },
    reconnect: () => transport.reconnect(),
    probe,
    close: () => transport.close(),
  };
}

function pageToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(tokenKey, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  const kept = window.sessionStorage.getItem(tokenKey);
  if (kept) return kept;
  throw new EngineError('ENG_HOST_AUTH', 'This page was opened without the studio token.');
}
