// sink.kafka: an idempotent producer (no duplicates from its own retries), one send per batch. Keys and
// headers come from SQL expressions evaluated per row; values are JSON, or Avro, Protobuf or JSON Schema in
// the Confluent wire format with the schema in the registry (schemas/writer.ts: derived from the rows and
// registered under the naming strategy's subject, or a chosen subject and version).
import type { Producer, Message } from 'kafkajs';
import { EngineError } from '../errors.ts';
import { compileExpression } from '../expr/index.ts';
import type { CompiledExpression } from '../expr/index.ts';
import type { KafkaSinkConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, CheckpointInfo, NodeContext, Row, SinkInstance, SinkSummary } from '../runtime/types.ts';
import type { CompressionName } from './codecs.ts';
import { compressionType } from './codecs.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { Partitioners } from './kafkajs.ts';
import { encodeJson } from './formats.ts';
import { RegistryClient } from './registry/client.ts';
import { SchemaWriter } from './schemas/writer.ts';
import { connectionFor } from './store.ts';

export interface KafkaSinkOptions {
  compression?: CompressionName;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export class KafkaSink implements SinkInstance {
  private producer: Producer | undefined;
  private readonly key: CompiledExpression | undefined;
  private readonly headers: [string, CompiledExpression][];
  private schema: SchemaWriter | undefined;
  private rows = 0;

  constructor(
    private readonly nodeId: string,
    private readonly config: KafkaSinkConfig,
    private readonly connection: ConnectionConfig,
    private readonly ctx: Pick<NodeContext, 'log'>,
    private readonly options: KafkaSinkOptions = {},
  ) {
    if (!config.topic) throw new EngineError('ENG_FORMAT_INVALID', `sink.kafka "${nodeId}" needs a topic`);
    this.key = config.key ? compileExpression(config.key) : undefined;
    this.headers = Object.entries(config.headers ?? {}).map(([name, expr]) => [name, compileExpression(expr)]);
  }

  private async ready(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = kafkaClient(this.connection, { clientId: `streamlake-${this.nodeId}`, log: this.ctx.log, retry: { initialRetryTime: 300, maxRetryTime: 5000 } })
      .producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async schemaFor(rows: readonly Row[]): Promise<SchemaWriter | undefined> {
    const { format } = this.config;
    if (format === 'json') return undefined;
    if (!this.schema) {
      const access = this.connection.schemaRegistry;
      if (!access) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `sink.kafka "${this.nodeId}": ${format} needs a schema registry URL on connection "${this.connection.name}"`);
      this.schema = new SchemaWriter({ ...this.config, format }, new RegistryClient(access));
    }
    await this.schema.prepare(rows);
    return this.schema;
  }

  /** The Kafka messages for these rows (exported for the produce command and tests). */
  async encode(rows: readonly Row[]): Promise<Message[]> {
    const schema = await this.schemaFor(rows);
    return rows.map((row) => {
      const message: Message = { value: schema ? schema.value(row) : encodeJson(row) };
      if (this.key) message.key = text(this.key.evaluate(row));
      if (this.headers.length) {
        const headers: Record<string, string> = {};
        for (const [name, expr] of this.headers) {
          const v = text(expr.evaluate(row));
          if (v !== null) headers[name] = v;
        }
        message.headers = headers;
      }
      return message;
    });
  }

  async write(batch: Batch): Promise<void> {
    if (batch.rows.length === 0) return;
    const messages = await this.encode(batch.rows);
    const producer = await this.ready();
    await producer.send({ topic: this.config.topic, messages, acks: -1, compression: compressionType(this.options.compression) });
    this.rows += messages.length;
  }

  /** Sends payloads exactly as given (the produce command's deliberately broken events). */
  async writeRaw(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.ready();
    await producer.send({ topic: this.config.topic, messages, acks: -1, compression: compressionType(this.options.compression) });
    this.rows += messages.length;
  }

  // Every write is acknowledged by all in-sync replicas before it returns, so a checkpoint has nothing
  // left to flush.
  async checkpoint(_info: CheckpointInfo): Promise<void> {}

  async close(): Promise<SinkSummary> {
    await this.producer?.disconnect();
    this.producer = undefined;
    return { rows: this.rows, topic: this.config.topic };
  }
}

export async function createKafkaSink(spec: Extract<NodeSpec, { type: 'sink.kafka' }>, ctx: NodeContext): Promise<KafkaSink> {
  const connection = await connectionFor(spec.config.connection, ctx.homeDir);
  return new KafkaSink(spec.id, spec.config, connection, ctx);
}

registerNode('sink.kafka', { kind: 'sink', create: (spec, ctx) => createKafkaSink(spec, ctx) });
