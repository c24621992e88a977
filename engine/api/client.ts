// A typed StudioApi over any Transport. Browser-safe: no Node built-ins, so the renderer bundles it as is.
import { EngineError, errorCodes } from '../errors.ts';
import type { ErrorCode, ErrorPayload } from '../errors.ts';
import { studioMethods } from './contract.ts';
import type { StudioClient, Transport } from './contract.ts';

/** Builds the renderer's API object: one method per contract entry, each forwarding to the transport. */
export function createClient(transport: Transport): StudioClient {
  const client: Record<string, unknown> = {
    subscribe: (listener: Parameters<Transport['subscribe']>[0]) => transport.subscribe(listener),
  };
  for (const method of studioMethods) {
    client[method] = (params?: unknown) => transport.call(method, params);
  }
  return client as unknown as StudioClient;
}

/** Rebuilds an EngineError from a payload that crossed the boundary (unknown codes become ENG_HOST_REQUEST). */
export function errorFromPayload(payload: ErrorPayload | { code?: unknown; message?: unknown; details?: unknown }): EngineError {
  const code = typeof payload.code === 'string' && payload.code in errorCodes ? (payload.code as ErrorCode) : 'ENG_HOST_REQUEST';
  const message = typeof payload.message === 'string' ? payload.message : 'The host returned an error without a message';
  return new EngineError(code, message, payload.details);
}
