// kafkajs 2.2.4 groups a send's messages per partition with `[...current, message]` for every message:
// quadratic in the messages per partition. A send of 5 000 messages to 3 partitions copied ~4 M array
// elements, and it was most of sink.kafka's time (25 k events/s). This module swaps that internal,
// through Node's CommonJS module cache before kafkajs loads it (like records.ts), for a linear one with
// the same result. Another kafkajs version, or kafkajs loaded first, keeps the stock function.
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

/** Messages per partition number, in their order: what kafkajs' groupMessagesPerPartition returns. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list) list.push(message);
    else result[partition] = [message];
  }
  return result;
}

function install(): void {
  let version: string;
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return;
  }
  if (version !== '2.2.4') return;
  const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
  if (require.cache[path]) return;
  const module = new Module(path);
  module.filename = path;
  module.exports = groupMessagesPerPartition;
  module.loaded = true;
  require.cache[path] = module;
}

install();
