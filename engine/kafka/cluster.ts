// kafkajs' cluster object (metadata, leaders, authenticated broker connections) for the requests its public
// clients do not make: a group-less fetch for peeking, DescribeLogDirs for partition sizes. Reaching it
// uses kafkajs internals (the Kafka client's private cluster factory), so callers say what they do
// without it.
import type { Kafka } from 'kafkajs';

export interface InternalFetchPartition {
  partition: number;
  highWatermark: string;
  abortedTransactions?: unknown[];
  messages: unknown[];
}

export interface InternalBroker {
  connectionPool: { send(args: { request: unknown; response: unknown }): Promise<unknown> };
  fetch(args: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: InternalFetchPartition[] }[] }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  brokerPool: { metadata: { brokers: { nodeId: number }[] } };
  findBroker(args: { nodeId: string | number }): Promise<InternalBroker>;
}

/** A new, unconnected cluster with the client's own brokers, TLS and SASL; undefined if kafkajs hides it. */
export function internalCluster(kafka: Kafka): InternalCluster | undefined {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!create) return undefined;
  const factory = (kafka as unknown as Record<symbol, unknown>)[create];
  if (typeof factory !== 'function') return undefined;
  return (factory as (opts: object) => InternalCluster).call(kafka, {});
}
