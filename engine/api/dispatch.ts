// The host side of the contract, shared by the web host and the Electron main process: validates a call
// that arrived from the renderer, runs it on the service, and turns any failure into an ErrorPayload.
import { toErrorPayload } from '../errors.ts';
import type { ErrorPayload } from '../errors.ts';
import type { StudioApi } from './contract.ts';
import { validateCall } from './validate.ts';

export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

export async function dispatchCall(api: StudioApi, method: string, params: unknown): Promise<CallOutcome> {
  try {
    const call = validateCall(method, params);
    const fn = api[call.method] as (params: unknown) => Promise<unknown>;
    const result = await fn.call(api, call.params);
    // `undefined` does not survive JSON; null is the wire form of "nothing".
    return { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    return { ok: false, error: toErrorPayload(error, 'ENG_HOST_INTERNAL') };
  }
}
