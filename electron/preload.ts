// The whole surface the renderer gets in the desktop app: `window.streamlake` with two functions. Only the
// two prefixed channels of the contract are used, the IPC event object (which exposes the sender) never
// reaches the page, and the main process validates everything again. Bundled to CommonJS by
// engine/host/electron-bundle.ts because sandboxed preloads cannot be ES modules.
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { ipcChannels, ipcPrefix } from '../engine/api/contract.ts';
import type { IpcReply, PreloadBridge, StudioEvent } from '../engine/api/contract.ts';

function checkChannel(channel: string): string {
  if (!channel.startsWith(ipcPrefix)) throw new Error(`Refusing IPC on channel "${channel}": not a Streamlake channel`);
  return channel;
}

const bridge: PreloadBridge = {
  call(method: string, params: unknown): Promise<IpcReply> {
    if (typeof method !== 'string' || method.length > 100) return Promise.reject(new Error('method must be a short string'));
    return ipcRenderer.invoke(checkChannel(ipcChannels.call), method, params) as Promise<IpcReply>;
  },
  onEvent(listener: (event: StudioEvent) => void): () => void {
    const channel = checkChannel(ipcChannels.event);
    const handler = (_event: IpcRendererEvent, payload: StudioEvent): void => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('streamlake', bridge);
