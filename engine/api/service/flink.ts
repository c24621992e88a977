// File → Export → Flink SQL: the exported script for the studio's lake, with the saved connections (the
// exporter writes brokers and user names, never a secret).
import { exportFlink } from '../../flink/export.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { localConnection } from '../../kafka/connections.ts';
import type { ConnectionStore } from '../../kafka/connections.ts';
import { FlinkGateway, substitute } from '../../flink/gateway.ts';
import type { FlinkExportResult, FlinkJobRef } from '../contract.ts';

async function exported(doc: PipelineDoc, lakeDir: string, store: ConnectionStore): Promise<ReturnType<typeof exportFlink>> {
  const saved = await store.list();
  const connections = saved.some((c) => c.name === 'local') ? saved : [localConnection(), ...saved];
  return exportFlink(doc, { lakeDir, connections });
}

export async function flinkExport(doc: PipelineDoc, lakeDir: string, store: ConnectionStore): Promise<FlinkExportResult> {
  const out = await exported(doc, lakeDir, store);
  return { sql: out.sql, problems: out.problems, placeholders: out.placeholders };
}

/** Secrets come from this host's environment at submit time; they go to the gateway, never back to the UI. */
export async function flinkSubmit(endpoint: string, doc: PipelineDoc, lakeDir: string, store: ConnectionStore, env: NodeJS.ProcessEnv = process.env): Promise<FlinkJobRef> {
  const out = await exported(doc, lakeDir, store);
  return new FlinkGateway({ endpoint }).submit(substitute(out.statements, env));
}

export async function flinkStatus(endpoint: string, session: string, jobId: string): Promise<{ status: string }> {
  return { status: await new FlinkGateway({ endpoint }).status(session, jobId) };
}

export async function flinkStop(endpoint: string, session: string, jobId: string): Promise<void> {
  await new FlinkGateway({ endpoint }).stop(session, jobId);
}
