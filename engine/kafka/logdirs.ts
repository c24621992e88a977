// Partition sizes on disk (DescribeLogDirs, API key 35), which kafkajs' admin client does not offer. The
// request goes through kafkajs' own broker connections so TLS and SASL work as for every other call;
// reaching them uses kafkajs internals, so any failure here yields "size unknown", never an error.
import type { Kafka } from 'kafkajs';
import Decoder from 'kafkajs/src/protocol/decoder.js';
import Encoder from 'kafkajs/src/protocol/encoder.js';
import { internalCluster } from './cluster.ts';

interface LogDirsResponse { topics: { name: string; partitions: { partition: number; size: number }[] }[] }

const request = {
  apiKey: 35,
  apiVersion: 1,
  apiName: 'DescribeLogDirs',
  // topics = null: every partition on the broker.
  encode: async () => new Encoder().writeInt32(-1),
};

const response = {
  decode: async (raw: Buffer): Promise<LogDirsResponse> => {
    const d = new Decoder(raw);
    d.readInt32(); // throttle time
    const topics: LogDirsResponse['topics'] = [];
    d.readArray((dir) => {
      dir.readInt16(); // error code of this log dir
      dir.readString();
      dir.readArray((t) => {
        const name = t.readString();
        const partitions = t.readArray((p) => {
          const partition = p.readInt32();
          const size = Number(p.readInt64().toString());
          p.readInt64(); // offset lag
          p.readBoolean(); // is future
          return { partition, size };
        });
        topics.push({ name, partitions });
      });
    });
    return { topics };
  },
  parse: async (data: LogDirsResponse) => data,
};

/** topic → partition → bytes on disk, summed over brokers and log dirs; undefined when unavailable. */
export async function partitionSizes(kafka: Kafka): Promise<Map<string, Map<number, number>> | undefined> {
  const cluster = internalCluster(kafka);
  if (!cluster) return undefined;
  try {
    await cluster.connect();
    await cluster.refreshMetadata();
    const sizes = new Map<string, Map<number, number>>();
    for (const { nodeId } of cluster.brokerPool.metadata.brokers) {
      const broker = await cluster.findBroker({ nodeId: String(nodeId) });
      const result = await broker.connectionPool.send({ request, response }) as LogDirsResponse;
      for (const t of result.topics) {
        const byPartition = sizes.get(t.name) ?? new Map<number, number>();
        for (const p of t.partitions) byPartition.set(p.partition, (byPartition.get(p.partition) ?? 0) + p.size);
        sizes.set(t.name, byPartition);
      }
    }
    return sizes;
  } catch {
    return undefined;
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
