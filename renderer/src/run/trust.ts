// The renderer's half of workspace trust (engine/api/service/trust.ts): when runStart answers
// ENG_TRUST_REQUIRED, the report it carries is shown in TrustDialog, and only the user's "Trust and run"
// records the trust (pipelineTrust, with the hash the dialog showed) and starts the run again.
import { useSyncExternalStore } from 'react';
import type { PipelineTrustReport, StudioClient } from '../../../engine/api/contract.ts';
import { EngineError } from '../../../engine/errors.ts';
import type { PipelineDoc } from '../../../engine/format/pipeline.ts';

export interface TrustRequest {
  report: PipelineTrustReport;
  pipelineName: string;
  answer(trusted: boolean): void;
}

let current: TrustRequest | null = null;
const listeners = new Set<() => void>();

function publish(next: TrustRequest | null): void {
  current = next;
  for (const listener of listeners) listener();
}

/** The trust question being asked, or null. */
export function useTrustRequest(): TrustRequest | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** The report inside an ENG_TRUST_REQUIRED refusal, or null for any other failure. */
export function trustReportOf(error: unknown): PipelineTrustReport | null {
  if (!(error instanceof EngineError) || error.code !== 'ENG_TRUST_REQUIRED') return null;
  const details = error.details as { report?: PipelineTrustReport } | undefined;
  return details?.report && typeof details.report.hash === 'string' && Array.isArray(details.report.items) ? details.report : null;
}

/** Shows the dialog and resolves with the user's answer; true once the host has recorded the trust. */
export async function askTrust(api: StudioClient, doc: PipelineDoc, report: PipelineTrustReport): Promise<boolean> {
  const trusted = await new Promise<boolean>((resolve) => {
    publish({ report, pipelineName: doc.name, answer: (yes) => { publish(null); resolve(yes); } });
  });
  if (!trusted) return false;
  await api.pipelineTrust({ doc, hash: report.hash });
  return true;
}
