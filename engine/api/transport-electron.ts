// The desktop transport: calls and events go through the preload's `window.streamlake` bridge
// (electron/preload.ts), which forwards to the main process over the prefixed IPC channels.
import { EngineError } from '../errors.ts';
import { errorFromPayload } from './client.ts';
import type { PreloadBridge, StudioListener, Transport } from './contract.ts';

/** The bridge the preload exposes, or null outside Electron. */
export function preloadBridge(): PreloadBridge | null {
  const candidate = (globalThis as { streamlake?: unknown }).streamlake;
  if (typeof candidate !== 'object' || candidate === null) return null;
  const bridge = candidate as Partial<PreloadBridge>;
  return typeof bridge.call === 'function' && typeof bridge.onEvent === 'function' ? (bridge as PreloadBridge) : null;
}

export function createElectronTransport(bridge: PreloadBridge | null = preloadBridge()): Transport {
  if (!bridge) throw new EngineError('ENG_HOST_REQUEST', 'window.streamlake is missing: the page was not loaded by the Streamlake desktop app');
  const listeners = new Set<StudioListener>();
  let detach: (() => void) | null = null;
  return {
    async call(method, params) {
      const reply = await bridge.call(method, params);
      if (reply.ok) return reply.result;
      throw errorFromPayload(reply.error);
    },
    subscribe(listener) {
      listeners.add(listener);
      detach ??= bridge.onEvent((event) => {
        for (const l of listeners) l(event);
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && detach) {
          detach();
          detach = null;
        }
      };
    },
  };
}
