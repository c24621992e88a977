// sink.kafka: an idempotent producer (no duplicates from its own retries), one send per batch. Keys and
// headers come from SQL expressions evaluated per row; values are JSON or Avro (Confluent wire format,
// schema derived from the first batch and registered under `<topic>-value`).
import type { Producer, Message } from 'kafkajs';
import type avro from 'avsc';
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
import { avroType, encodeAvro, encodeJson, inferAvroSchema } from './formats.ts';
import { RegistryClient } from './registry/client.ts';
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
  private avro: { type: avro.Type; id: number } | undefined;
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

  private async avroFor(rows: readonly Row[]): Promise<{ type: avro.Type; id: number }> {
    if (this.avro) return this.avro;
    const access = this.connection.schemaRegistry;
    if (!access) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `sink.kafka "${this.nodeId}": Avro needs a schema registry URL on connection "${this.connection.name}"`);
    const schema = inferAvroSchema(rows, `${this.config.topic}_value`);
    const id = await new RegistryClient(access).register(`${this.config.topic}-value`, schema);
    this.avro = { type: avroType(schema), id };
    return this.avro;
  }

  /** The Kafka messages for these rows (exported for the produce command and tests). */
  async encode(rows: readonly Row[]): Promise<Message[]> {
    const schema = this.config.format === 'avro' ? await this.avroFor(rows) : undefined;
    return rows.map((row) => {
      const message: Message = { value: schema ? encodeAvro(schema.type, schema.id, row) : encodeJson(row) };
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

  // Minimal adaptation to the two-phase contract (H2 replaces it with transactions): every write is
  // acknowledged by all in-sync replicas before it returns, so there is nothing left to prepare or commit.
  async prepare(_info: CheckpointInfo): Promise<null> {
    return null;
  }

  async commit(_info: CheckpointInfo, _pending: unknown): Promise<void> {}

  async lastCommittedId(): Promise<null> {
    return null;
  }

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
