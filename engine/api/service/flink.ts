// File → Export → Flink SQL: the exported script for the studio's lake, with the saved connections (the
// exporter writes brokers and user names, never a secret).
import { exportFlink } from '../../flink/export.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { localConnection } from '../../kafka/connections.ts';
import type { ConnectionStore } from '../../kafka/connections.ts';
import type { FlinkExportResult } from '../contract.ts';

export async function flinkExport(doc: PipelineDoc, lakeDir: string, store: ConnectionStore): Promise<FlinkExportResult> {
  const saved = await store.list();
  const connections = saved.some((c) => c.name === 'local') ? saved : [localConnection(), ...saved];
  const out = exportFlink(doc, { lakeDir, connections });
  return { sql: out.sql, problems: out.problems, placeholders: out.placeholders };
}
