// The renderer's one entry point: picks the transport of whichever host loaded the page, so screens only
// ever see a StudioClient. Desktop: the preload bridge. Browser: a WebSocket to the web host, with the
// per-launch token taken from `?token=` once, then kept in sessionStorage and removed from the address
// bar (so it does not end up in bookmarks, screenshots or the Referer of a link).
import { EngineError } from '../errors.ts';
import { createClient } from './client.ts';
import type { StudioClient } from './contract.ts';
import { createElectronTransport, preloadBridge } from './transport-electron.ts';
import { createWsTransport } from './transport-ws.ts';

const tokenKey = 'streamlake.token';

export interface Connection {
  client: StudioClient;
  mode: 'desktop' | 'browser';
  /** Browser mode: resolves when the socket is open. Desktop: at once. */
  ready: Promise<void>;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export function connectStudio(): Connection {
  const bridge = preloadBridge();
  if (bridge) {
    return { client: createClient(createElectronTransport(bridge)), mode: 'desktop', ready: Promise.resolve(), onConnectionChange: () => () => {} };
  }
  const token = pageToken();
  const changeListeners = new Set<(connected: boolean) => void>();
  const transport = createWsTransport({
    baseUrl: window.location.origin,
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
  throw new EngineError('ENG_HOST_AUTH', 'This page needs the studio token: open the exact URL `streamlake studio` printed (it ends with ?token=…)');
}
