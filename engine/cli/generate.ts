// `streamlake generate <dataset>`: generated events to stdout as JSON Lines or CSV, with backpressure
// (a slow reader slows the generator) and a quiet exit when the reader goes away (`| head`).
import { once } from 'node:events';
import { datasetNames, datasetInfo } from '../format/datasets.ts';
import { generateRecords } from '../generator/index.ts';
import type { GeneratorOptions } from '../generator/index.ts';
import type { Row } from '../runtime/types.ts';
import { parseArgs } from './args.ts';
import { UsageError } from './command.ts';
import type { Command } from './command.ts';

const flags = {
  count: { type: 'number', description: 'N' },
  seed: { type: 'number', description: 'S' },
  format: { type: 'string', description: 'jsonl|csv' },
  partitions: { type: 'number', description: 'P' },
  'start-time': { type: 'string', description: 'ISO time' },
  rate: { type: 'number', description: 'events per second' },
  'out-of-order': { type: 'number', description: 'share 0..1' },
  late: { type: 'number', description: 'share 0..1' },
  malformed: { type: 'number', description: 'share 0..1' },
} as const;

export const generate: Command = {
  name: 'generate',
  summary: 'Write generated events (sales, sensors, clicks, …) to stdout',
  usage: `Usage: streamlake generate <dataset> --count N [--seed S] [--format jsonl|csv] [options]

Datasets: ${datasetNames.join(', ')}

Options:
  --count N           Events to write (0 = until stopped); default 100
  --seed S            The same seed always gives the same events; default 1
  --format F          jsonl (default) or csv (with a header row)
  --partitions P      Interleave P partitions' streams, as the generator source does; default 1
  --start-time T      Event time of the first event; default 2026-01-01T00:00:00Z
  --rate R            Write R events per second in real time (event time follows); default: as fast as possible
  --out-of-order X    Share of events a few seconds out of order
  --late X            Share of events minutes late
  --malformed X       Share of broken events: wrong types, missing fields, undecodable lines

Examples:
  streamlake generate sales_orders --count 1000000 > orders.jsonl
  streamlake generate sensor_readings --count 100 --format csv | head
`,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags, { min: 1, max: 1, names: `the dataset: ${datasetNames.join(', ')}` });
    const dataset = positionals[0] ?? '';
    const info = datasetInfo(dataset);
    if (!info) throw new UsageError(`unknown dataset "${dataset}"; one of: ${datasetNames.join(', ')}`);
    const format = f.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got "${format}"`);
    const count = f.count ?? 100;
    if (!Number.isInteger(count) || count < 0) throw new UsageError(`--count must be a whole number ≥ 0, got ${count}`);
    for (const name of ['out-of-order', 'late', 'malformed'] as const) {
      const share = f[name];
      if (share !== undefined && (share < 0 || share > 1)) throw new UsageError(`--${name} must be a share between 0 and 1, got ${share}`);
    }
    if (f.partitions !== undefined && (!Number.isInteger(f.partitions) || f.partitions < 1 || f.partitions > 64)) throw new UsageError('--partitions must be a whole number from 1 to 64');
    if (f.rate !== undefined && f.rate <= 0) throw new UsageError('--rate must be more than 0');
    if (f['start-time'] !== undefined && Number.isNaN(Date.parse(f['start-time']))) throw new UsageError(`--start-time must be an ISO time, got "${f['start-time']}"`);
    const options: GeneratorOptions = {
      count,
      seed: f.seed ?? 1,
      partitions: f.partitions ?? 1,
      ...(f['start-time'] === undefined ? {} : { startTime: f['start-time'] }),
      ...(f.rate === undefined ? {} : { eventsPerSecond: f.rate }),
      outOfOrderRate: f['out-of-order'] ?? 0,
      lateRate: f.late ?? 0,
      malformedRate: f.malformed ?? 0,
    };
    const columns = info.fields.map((field) => field.name);
    const out = new Output(process.stdout);
    if (format === 'csv') out.add(`${columns.map(csvField).join(',')}\n`);
    const started = performance.now();
    let written = 0;
    for (const record of generateRecords(dataset, options)) {
      if ('row' in record) out.add(format === 'csv' ? csvLine(record.row, columns) : `${JSON.stringify(record.row)}\n`);
      // Undecodable payloads stay undecodable in the file, but must not swallow the next lines: no line
      // breaks, and for CSV no quotes (a stray quote would open a field spanning the rest of the file).
      else out.add(`${record.raw.replace(format === 'csv' ? /["\r\n]+/g : /[\r\n]+/g, ' ')}\n`);
      written++;
      const flushEvery = f.rate === undefined ? 1024 : Math.max(1, Math.round(f.rate / 20));
      if (written % flushEvery === 0) {
        if (!(await out.flush())) return 0;
        if (f.rate !== undefined) {
          const wait = started + (written / f.rate) * 1000 - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    }
    await out.flush();
    return 0;
  },
};

/** Buffers text and writes it in large pieces, waiting for 'drain' when the reader is slower. */
class Output {
  private pending: string[] = [];
  private closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // A reader that exits early (`| head`) is not an error: stop quietly.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw error;
    });
  }

  add(text: string): void {
    this.pending.push(text);
  }

  /** False once the reader has gone away. */
  async flush(): Promise<boolean> {
    if (this.closed) return false;
    if (this.pending.length === 0) return true;
    const text = this.pending.join('');
    this.pending = [];
    if (!this.stream.write(text)) {
      const ac = new AbortController();
      await Promise.race([once(this.stream, 'drain', { signal: ac.signal }), once(this.stream, 'close', { signal: ac.signal })]).catch(() => undefined);
      ac.abort();
    }
    return !this.closed;
  }
}

function csvLine(row: Row, columns: readonly string[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    const value = row[columns[i] as string];
    if (value === null || value === undefined) continue;
    if (value instanceof Date) line += value.toISOString();
    else if (typeof value === 'object') line += csvField(JSON.stringify(value));
    else if (typeof value === 'string') line += csvField(value);
    else line += String(value);
  }
  return `${line}\n`;
}

function csvField(text: string): string {
  // Empty strings are quoted so readers tell them from missing values.
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
