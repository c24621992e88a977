// One partition's event stream: the dataset model plus what every dataset shares — a Poisson arrival
// process with a daily rhythm, out-of-order and late events, and malformed ones. Its whole position is
// a small JSON value, so a restored stream continues with exactly the events it would have produced.
import { EngineError } from '../errors.ts';
import { datasetNames } from '../format/datasets.ts';
import type { GeneratorDataset } from '../format/pipeline.ts';
import type { Row } from '../runtime/types.ts';
import { ecommerceEvents } from './datasets/ecommerce-events.ts';
import { salesOrders } from './datasets/sales-orders.ts';
import { sensorReadings } from './datasets/sensor-readings.ts';
import { transactions } from './datasets/transactions.ts';
import { userEvents } from './datasets/user-events.ts';
import { userRegistrations } from './datasets/user-registrations.ts';
import type { DatasetModel } from './model.ts';
import { Random } from './random.ts';
import type { RandomState } from './random.ts';

export const models: Record<GeneratorDataset, DatasetModel> = {
  sales_orders: salesOrders as DatasetModel,
  user_events: userEvents as DatasetModel,
  sensor_readings: sensorReadings as DatasetModel,
  transactions: transactions as DatasetModel,
  ecommerce_events: ecommerceEvents as DatasetModel,
  user_registrations: userRegistrations as DatasetModel,
};

export function datasetModel(dataset: string): DatasetModel {
  const model = (models as Record<string, DatasetModel | undefined>)[dataset];
  if (!model) throw new EngineError('ENG_GENERATOR_DATASET', `unknown dataset "${dataset}"; one of: ${datasetNames.join(', ')}`, { dataset });
  return model;
}

export interface GeneratorOptions {
  /** Events in total over all partitions; 0 or absent = unbounded. */
  count?: number;
  seed?: number;
  partitions?: number;
  /** ISO time of the first event (default 2026-01-01T00:00:00Z). */
  startTime?: string;
  /** When set, event time advances at this rate (events per second over all partitions). */
  eventsPerSecond?: number;
  outOfOrderRate?: number;
  lateRate?: number;
  malformedRate?: number;
}

/** A generated event, or a payload a real producer garbled so badly that it cannot be decoded. */
export type GeneratedRecord = { row: Row } | { raw: string; reason: string; serial: number };

export interface StreamPosition {
  produced: number;
  random: RandomState;
  time: number;
  state: unknown;
}

export const defaultStartTime = '2026-01-01T00:00:00Z';
const hourMs = 3_600_000;
/** Out-of-order events trail by up to this much: inside a usual watermark delay of a few seconds. */
const maxDisorderMs = 4_000;
/** Late events trail by 2–10 minutes: beyond any usual allowed lateness. */
const lateMinMs = 120_000;
const lateMaxMs = 600_000;

export class PartitionStream {
  private readonly random: Random;
  private readonly meanIntervalMs: number;
  private readonly diurnal: boolean;
  private readonly rates: { outOfOrder: number; late: number; malformed: number };
  produced = 0;
  private time: number;
  private state: unknown;

  constructor(
    private readonly model: DatasetModel,
    options: GeneratorOptions,
    readonly partition: number,
    readonly partitions: number,
    /** Events this partition produces; Infinity when unbounded. */
    readonly quota: number,
  ) {
    this.random = new Random(options.seed ?? 1, partition);
    const rated = (options.eventsPerSecond ?? 0) > 0;
    this.meanIntervalMs = (rated ? 1000 / (options.eventsPerSecond ?? 1) : model.meanIntervalMs) * partitions;
    // A set rate means event time should track the wall clock, so no daily rhythm then.
    this.diurnal = model.diurnal && !rated;
    this.rates = { outOfOrder: options.outOfOrderRate ?? 0, late: options.lateRate ?? 0, malformed: options.malformedRate ?? 0 };
    this.time = Date.parse(options.startTime ?? defaultStartTime);
    if (Number.isNaN(this.time)) throw new RangeError(`startTime "${options.startTime}" is not an ISO timestamp`);
    this.state = model.initialState(partition, partitions);
  }

  done(): boolean {
    return this.produced >= this.quota;
  }

  next(): GeneratedRecord {
    const random = this.random;
    const streamTime = this.time;
    let time = streamTime;
    if (this.rates.late > 0 || this.rates.outOfOrder > 0) {
      const u = random.float();
      if (u < this.rates.late) time -= random.between(lateMinMs, lateMaxMs);
      else if (u < this.rates.late + this.rates.outOfOrder) time -= random.between(200, maxDisorderMs);
      time = Math.round(time);
    }
    const serial = this.produced * this.partitions + this.partition + 1;
    const row = this.model.next({ random, time, streamTime, serial, partition: this.partition, partitions: this.partitions }, this.state);
    this.produced++;
    const rate = this.diurnal ? 1 + 0.5 * Math.sin((((streamTime / hourMs) % 24) - 10) / 24 * 2 * Math.PI) : 1;
    this.time = streamTime + Math.max(1, Math.round(random.exponential(this.meanIntervalMs / rate)));
    if (!random.chance(this.rates.malformed)) return { row };
    return this.malform(row, serial);
  }

  /** Breaks an event in one of the ways real producers do. */
  private malform(row: Row, serial: number): GeneratedRecord {
    const random = this.random;
    const kind = random.int(3);
    if (kind === 0) {
      this.model.breakType(row, random);
      return { row };
    }
    if (kind === 1) {
      delete row[random.pick(this.model.required)];
      return { row };
    }
    const text = JSON.stringify(row);
    const raw = random.chance(0.5)
      ? text.slice(0, Math.max(2, Math.floor(text.length * random.between(0.2, 0.9))))
      : Object.entries(row).map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : String(v)}`).join(';');
    return { raw, reason: `undecodable payload: ${decodeError(raw)}`, serial };
  }

  position(): StreamPosition {
    return { produced: this.produced, random: this.random.state(), time: this.time, state: structuredClone(this.state) };
  }

  restore(position: unknown): void {
    if (!isPosition(position)) throw new EngineError('ENG_RUN_CHECKPOINT', `invalid generator position for partition ${this.partition}`, { position });
    this.produced = position.produced;
    this.random.setState(position.random);
    this.time = position.time;
    this.state = structuredClone(position.state);
  }
}

function decodeError(raw: string): string {
  try {
    JSON.parse(raw);
    return 'not an object';
  } catch (error) {
    return (error as Error).message;
  }
}

function isPosition(value: unknown): value is StreamPosition {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return Number.isInteger(p.produced) && typeof p.time === 'number' && Array.isArray(p.random) && p.random.length === 4 && p.random.every((n) => typeof n === 'number') && 'state' in p;
}

/** The partition streams for a generator config, each with its share of `count`. */
export function partitionStreams(dataset: string, options: GeneratorOptions): PartitionStream[] {
  const model = datasetModel(dataset);
  const partitions = Math.max(1, Math.floor(options.partitions ?? 1));
  const count = options.count ?? 0;
  return Array.from({ length: partitions }, (_, p) => {
    const quota = count > 0 ? Math.floor(count / partitions) + (p < count % partitions ? 1 : 0) : Infinity;
    return new PartitionStream(model, options, p, partitions, quota);
  });
}

/** Rows per batch: the source pushes and generateRecords yields in this order. */
export const batchSize = 1024;

/**
 * Every record in the order the generator source pushes them: up to `batchSize` per partition, round
 * robin. Unbounded when count is 0 or absent.
 */
export function* generateRecords(dataset: GeneratorDataset | string, options: GeneratorOptions = {}): Generator<GeneratedRecord> {
  const streams = partitionStreams(dataset, options);
  while (streams.some((s) => !s.done())) {
    for (const stream of streams) {
      for (let i = 0; i < batchSize && !stream.done(); i++) yield stream.next();
    }
  }
}

/** The decodable events (including ones with wrong types or missing fields), in source order. */
export function* generateEvents(dataset: GeneratorDataset | string, options: GeneratorOptions = {}): Generator<Row> {
  for (const record of generateRecords(dataset, options)) if ('row' in record) yield record.row;
}
