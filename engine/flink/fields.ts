// The fields of each Kafka source, for the exporter's `sourceFields`: a Flink table needs its schema up front,
// while the engine learns a JSON topic's fields from its events. So the fields come from the events too: the
// newest messages of every partition (read straight from the partition leaders, as the topic browser peeks,
// so no consumer group is joined and no offset committed), typed the way the engine types rows it writes
// (kafka/schemas/infer.ts: an integer stays `long` while every value seen is one), and a text field whose
// every value is an ISO-8601 UTC time (`…T…Z`, what the JSON format reads as TIMESTAMP_LTZ) is a timestamp.
// Other formats are not exported (the exporter says so), so they are not sampled.
import { EngineError } from '../errors.ts';
import type { FieldInfo, FieldType } from '../format/datasets.ts';
import type { KafkaSourceConfig, PipelineDoc } from '../format/pipeline.ts';
import { TopicBrowser } from '../kafka/browser.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import type { Row } from '../runtime/types.ts';
import { inferColumns } from '../kafka/schemas/infer.ts';

/** Newest messages read per partition. */
const SAMPLE_PER_PARTITION = 200;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export interface SourceFieldsResult {
  /** Node id → fields, for the sources whose fields could be learned. */
  fields: Record<string, FieldInfo[]>;
  /** Node id → why not (an empty topic, no access…), to show beside the exporter's own problem. */
  notes: Record<string, string>;
}

/** Fields of these JSON rows, typed as the engine types them. */
export function fieldsOfRows(rows: readonly Row[]): FieldInfo[] {
  return inferColumns(rows).map(({ name, kind }): FieldInfo => {
    let type: FieldType;
    if (kind === 'string') type = rows.every((r) => r[name] === null || r[name] === undefined || (typeof r[name] === 'string' && ISO_UTC.test(r[name]))) ? 'timestamp' : 'string';
    else if (kind === 'long' || kind === 'double' || kind === 'boolean' || kind === 'timestamp') type = kind;
    else type = 'json';
    return { name, type };
  });
}

async function sampleTopic(browser: TopicBrowser, topic: string): Promise<Row[]> {
  const partitions = (await browser.listTopics({ only: [topic] }))[0]?.partitions ?? [];
  if (partitions.length === 0) throw new EngineError('ENG_HOST_NOT_FOUND', `topic ${topic} does not exist`);
  const rows: Row[] = [];
  for (const p of partitions) {
    for (const m of await browser.peek({ topic, partition: p.partition, limit: SAMPLE_PER_PARTITION, format: 'json' })) if (m.value) rows.push(m.value);
  }
  return rows;
}

/** Learns the fields of every Kafka source of `doc` that the exporter would declare (JSON). */
export async function kafkaSourceFields(doc: PipelineDoc, connect: (name: string) => Promise<ConnectionConfig>): Promise<SourceFieldsResult> {
  const result: SourceFieldsResult = { fields: {}, notes: {} };
  for (const node of doc.nodes) {
    if (node.type !== 'source.kafka') continue;
    const config = node.config as KafkaSourceConfig;
    if (config.format !== 'json') continue;
    if (!config.topics?.length) {
      result.notes[node.id] = 'a topic pattern cannot be sampled: name the topics to export its fields';
      continue;
    }
    let browser: TopicBrowser | undefined;
    try {
      browser = new TopicBrowser(await connect(config.connection));
      const rows: Row[] = [];
      for (const topic of config.topics) rows.push(...(await sampleTopic(browser, topic)));
      if (rows.length === 0) result.notes[node.id] = `no JSON events on ${config.topics.join(', ')} to learn the fields from yet`;
      else result.fields[node.id] = fieldsOfRows(rows);
    } catch (error) {
      result.notes[node.id] = `could not read ${config.topics.join(', ')} on connection ${config.connection} to learn the fields: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      await browser?.close().catch(() => undefined);
    }
  }
  return result;
}
