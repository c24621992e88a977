// The link to the engine's host, as the banners need it: connected or not, the token refused, and the
// controls the connection offers (reconnect now, probe what is wrong). Set once by main.tsx.
import type { StateCreator } from 'zustand/vanilla';
import type { HostProbe } from '../../../engine/api/connect.ts';
import type { StudioState } from './types.ts';

export interface HostControl {
  reconnect(): void;
  probe(): Promise<HostProbe>;
  close(): void;
}

export interface HostSlice {
  hostConnected: boolean;
  /** The host refused this page's token (a new launch changed it): the message to show, else undefined. */
  tokenRejected: string | undefined;
  hostControl: HostControl | undefined;
}

export const createHostSlice: StateCreator<StudioState, [], [], HostSlice> = () => ({
  hostConnected: true,
  tokenRejected: undefined,
  hostControl: undefined,
});
