// Where sink.kafka puts each message, decided by the sink itself so it can batch per partition: keyed
// messages by Kafka's default partitioner (murmur2 of the key, as the Java client and kafkajs'
// DefaultPartitioner), keyless ones sticky to one partition for a run of messages and then the next
// (the Java client's and librdkafka's sticky partitioning: fewer, fuller batches than one partition per
// message round robin).

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) in 32-bit integer arithmetic. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Messages a keyless partition takes before the next one does. */
const STICKY_RUN = 4096;

export class Partitioner {
  private sticky: number;
  private run = 0;

  constructor(private readonly partitions: number, start = Math.floor(Math.random() * partitions)) {
    this.sticky = start % partitions;
  }

  /**
   * The partition of the next keyless message, like partition(null) but without counting it: room()
   * tells how many from it on go there too, take(n) counts those sent. Lets the sink place a run of
   * keyless messages at once; the partitions come out as with partition(null) per message.
   */
  keyless(): number {
    if (this.run >= STICKY_RUN) {
      this.run = 0;
      this.sticky = (this.sticky + 1) % this.partitions;
    }
    return this.sticky;
  }

  /** Keyless messages the current partition still takes (after keyless()). */
  room(): number {
    return STICKY_RUN - this.run;
  }

  /** Counts `n` keyless messages sent to the partition keyless() gave. */
  take(n: number): void {
    this.run += n;
  }

  /** The partition of a message with this key (null: none). */
  partition(key: string | Buffer | null): number {
    if (key !== null) {
      const bytes = typeof key === 'string' ? Buffer.from(key) : key;
      return (murmur2(bytes) & 0x7fffffff) % this.partitions;
    }
    if (++this.run > STICKY_RUN) {
      this.run = 1;
      this.sticky = (this.sticky + 1) % this.partitions;
    }
    return this.sticky;
  }
}
