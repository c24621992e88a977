// `streamlake produce <dataset> --topic T --count N`: publishes generated events to a Kafka topic, so the
// data-generator scenarios work against a real broker. Undecodable events (--malformed) are sent as the
// raw garbled payload, as a broken producer would.
import { datasetInfo, datasetNames } from '../format/datasets.ts';
import { generateRecords } from '../generator/index.ts';
import type { GeneratorOptions } from '../generator/index.ts';
import type { CompressionName } from '../kafka/codecs.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import { FileConnectionStore, kafkaClient, resolveConnection } from '../kafka/connections.ts';
import { KafkaSink } from '../kafka/sink.ts';
import type { Row } from '../runtime/types.ts';
import { parseArgs } from './args.ts';
import { UsageError } from './command.ts';
import type { Command } from './command.ts';
import { streamlakeHome } from './home.ts';

const flags = {
  topic: { type: 'string', description: 'T' },
  count: { type: 'number', description: 'N' },
  rate: { type: 'number', description: 'events per second' },
  brokers: { type: 'string', description: 'host:port,…' },
  connection: { type: 'string', description: 'name' },
  partitions: { type: 'number', description: 'P' },
  seed: { type: 'number', description: 'S' },
  key: { type: 'string', description: 'SQL expression' },
  format: { type: 'string', description: 'json|avro|protobuf|json-schema' },
  compression: { type: 'string', description: 'none|gzip|snappy|lz4|zstd' },
  'start-time': { type: 'string', description: 'ISO time' },
  'out-of-order': { type: 'number', description: 'share 0..1' },
  late: { type: 'number', description: 'share 0..1' },
  malformed: { type: 'number', description: 'share 0..1' },
  quiet: { type: 'boolean' },
} as const;

export const produce: Command = {
  name: 'produce',
  summary: 'Publish generated events to a Kafka topic',
  usage: `Usage: streamlake produce <dataset> --topic T --count N [--rate R] [--brokers B] [options]

Datasets: ${datasetNames.join(', ')}

Options:
  --topic T           Topic to write (created with --partitions if missing)
  --count N           Events to publish (0 = until stopped); default 1000
  --rate R            Publish R events per second in real time; default: as fast as possible
  --brokers B         Bootstrap servers, e.g. 127.0.0.1:9092 (instead of a saved connection)
  --connection C      Saved connection name; default "local" (STREAMLAKE_KAFKA_BROKERS or 127.0.0.1:9092)
  --partitions P      Partitions when the topic is created; default 3
  --key EXPR          SQL expression for the message key, e.g. order_id
  --format F          json (default), avro, protobuf or json-schema (these need a schema registry on the connection)
  --compression C     none (default), gzip, snappy, lz4 or zstd
  --seed S, --start-time T, --out-of-order X, --late X, --malformed X   as for streamlake generate
  --quiet             No progress lines

Examples:
  npm run kafka:up && streamlake produce sales_orders --topic sales --count 100000
  streamlake produce sensor_readings --topic sensors --count 0 --rate 500 --key sensor_id
`,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags, { min: 1, max: 1, names: `the dataset: ${datasetNames.join(', ')}` });
    const dataset = positionals[0] ?? '';
    if (!datasetInfo(dataset)) throw new UsageError(`unknown dataset "${dataset}"; one of: ${datasetNames.join(', ')}`);
    if (!f.topic) throw new UsageError('--topic is required');
    const count = f.count ?? 1000;
    if (!Number.isInteger(count) || count < 0) throw new UsageError(`--count must be a whole number ≥ 0, got ${count}`);
    if (f.rate !== undefined && f.rate <= 0) throw new UsageError('--rate must be more than 0');
    const format = f.format ?? 'json';
    if (format !== 'json' && format !== 'avro' && format !== 'protobuf' && format !== 'json-schema') throw new UsageError(`--format must be json, avro, protobuf or json-schema, got "${format}"`);
    const compression = (f.compression ?? 'none') as CompressionName;
    if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) throw new UsageError(`--compression must be none, gzip, snappy, lz4 or zstd, got "${compression}"`);
    const partitions = f.partitions ?? 3;
    if (!Number.isInteger(partitions) || partitions < 1) throw new UsageError('--partitions must be a whole number ≥ 1');

    const connection: ConnectionConfig = f.brokers
      ? { name: 'cli', brokers: f.brokers.split(',').map((b) => b.trim()).filter(Boolean) }
      : await resolveConnection(f.connection ?? 'local', new FileConnectionStore(streamlakeHome()));
    const admin = kafkaClient(connection, { retry: { retries: 3 } }).admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(f.topic)) {
        await admin.createTopics({ topics: [{ topic: f.topic, numPartitions: partitions }], waitForLeaders: true });
      }
    } finally {
      await admin.disconnect();
    }

    // A standalone producer without checkpoints: rows are visible as soon as they are sent.
    const sink = new KafkaSink('produce', { connection: connection.name, topic: f.topic, format, key: f.key, delivery: 'at-least-once' }, connection, { log: (level, message) => { if (level !== 'debug' && level !== 'info') process.stderr.write(`${message}\n`); } }, { compression });
    const options: GeneratorOptions = {
      count,
      seed: f.seed ?? 1,
      ...(f['start-time'] === undefined ? {} : { startTime: f['start-time'] }),
      ...(f.rate === undefined ? {} : { eventsPerSecond: f.rate }),
      outOfOrderRate: f['out-of-order'] ?? 0,
      lateRate: f.late ?? 0,
      malformedRate: f.malformed ?? 0,
    };
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const batchSize = f.rate === undefined ? 5000 : Math.max(1, Math.min(5000, Math.round(f.rate / 20)));
    const started = performance.now();
    let sent = 0;
    let lastReport = started;
    let rows: Row[] = [];
    let raw: string[] = [];
    const flush = async (): Promise<void> => {
      if (rows.length) await sink.write({ rows, partition: 'produce' });
      if (raw.length) await sink.writeRaw(raw.map((value) => ({ value })));
      sent += rows.length + raw.length;
      rows = [];
      raw = [];
      const now = performance.now();
      if (!f.quiet && now - lastReport > 2000) {
        lastReport = now;
        process.stderr.write(`${sent} events sent (${Math.round(sent / ((now - started) / 1000))}/s)\n`);
      }
      if (f.rate !== undefined) {
        const wait = started + (sent / f.rate) * 1000 - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    };
    try {
      for (const record of generateRecords(dataset, options)) {
        if ('row' in record) rows.push(record.row);
        else raw.push(record.raw);
        if (rows.length + raw.length >= batchSize) await flush();
        if (stop.signal.aborted) break;
      }
      await flush();
    } finally {
      await sink.close();
    }
    const seconds = (performance.now() - started) / 1000;
    if (!f.quiet) process.stderr.write(`${sent} events sent to ${f.topic} in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s)\n`);
    return 0;
  },
};
