// The export as the CLI and the studio run it: the saved Kafka, PostgreSQL and OpenSearch connections of a home
// (brokers, hosts and user names are written, secrets only as placeholders) and the fields of each Kafka
// source learned from its topic (fields.ts), so `streamlake export flink`, `streamlake flink submit` and
// File → Export Flink SQL… produce the same script.
import type { PipelineDoc } from '../format/pipeline.ts';
import type { ConnectionStore } from '../kafka/connections.ts';
import { localConnection, resolveConnection } from '../kafka/connections.ts';
import { OpenSearchConnectionStore } from '../sinks/opensearch/connections.ts';
import { PostgresConnectionStore } from '../sinks/postgres/connections.ts';
import { exportFlink } from './export.ts';
import type { FlinkExport, FlinkExportOptions } from './export.ts';
import { kafkaSourceFields } from './fields.ts';

export interface HomeExportOptions extends Pick<FlinkExportOptions, 'lakeDir' | 'warehouse' | 'bounded'> {
  homeDir: string;
  kafka: ConnectionStore;
}

export async function exportFromHome(doc: PipelineDoc, options: HomeExportOptions): Promise<FlinkExport> {
  const saved = await options.kafka.list();
  const connections = saved.some((c) => c.name === 'local') ? saved : [localConnection(), ...saved];
  // A Flink table declares its columns; the engine learns a topic's from its events, so read the newest ones.
  const learned = await kafkaSourceFields(doc, (name) => resolveConnection(name, options.kafka));
  return exportFlink(doc, {
    connections,
    postgresConnections: await new PostgresConnectionStore(options.homeDir).list(),
    openSearchConnections: await new OpenSearchConnectionStore(options.homeDir).list(),
    sourceFields: learned.fields,
    sourceFieldNotes: learned.notes,
    ...(options.lakeDir === undefined ? {} : { lakeDir: options.lakeDir }),
    ...(options.warehouse === undefined ? {} : { warehouse: options.warehouse }),
    ...(options.bounded === undefined ? {} : { bounded: options.bounded }),
  });
}
