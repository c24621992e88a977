// Which ConnectionStore the engine uses to resolve the connection a pipeline names. The CLI and web host
// use the 0600 file under STREAMLAKE_HOME; the desktop host installs its keychain-backed store.
import type { ConnectionConfig, ConnectionStore } from './connections.ts';
import { FileConnectionStore, resolveConnection } from './connections.ts';

let installed: ConnectionStore | undefined;

export function setConnectionStore(store: ConnectionStore | undefined): void {
  installed = store;
}

export function connectionStore(homeDir: string): ConnectionStore {
  return installed ?? new FileConnectionStore(homeDir);
}

export function connectionFor(name: string, homeDir: string): Promise<ConnectionConfig> {
  return resolveConnection(name, connectionStore(homeDir));
}
