// One task's records decoded with exactly the code the sources use inline (json-record.ts for files,
// formats.ts for Kafka values), then, for a fused setup, run through the chain and pre-aggregated
// (fused.ts). The same class serves the decode worker and the run's thread, which decodes a fused task
// itself when the workers already have enough in hand (file-lines.ts): either way a task gives the same
// rows, rejections and partials.
import { isUtf8 } from 'node:buffer';
import type { DecodeFailure, Decoder } from '../kafka/formats.ts';
import type { FusedBatch } from '../runtime/fusion.ts';
import type { Row } from '../runtime/types.ts';
import { asUtf8 } from '../sources/encoding.ts';
import { JsonLinesDecoder, JsonRejection } from '../sources/file/json-record.ts';
import { epochField, FusedChain } from './fused.ts';
import { CHECKED, type Rejected, VERBATIM, type WorkerSetup } from './protocol.ts';

/** A task decoded: rows in record order and the rest by record index, or its pre-aggregated form. */
export interface TaskResult {
  rows: Row[];
  rejected: Rejected[];
  skipped: number[];
  /** Scan setups (protocol.ts WorkerSetup.scan): CHECKED, VERBATIM or 0 per record. */
  checked?: Uint8Array;
  /** Fused setups: the task's rows all passed the chain and folded into partials (rows is then unused). */
  fused?: FusedBatch;
}

/**
 * Kafka JSON values (kafka/formats.ts), given by the caller: that module brings the schema registry's
 * decoders (protobufjs, avsc), which took a JSON Lines worker ~1 s of its start to load for nothing.
 */
export interface KafkaValues {
  decoder: Decoder;
  /** The same decoder with the fused window's event time as epoch ms (epochField), for fused setups. */
  epoch?: Decoder;
  Failure: typeof DecodeFailure;
}

export class TaskDecoder {
  private readonly lines: JsonLinesDecoder | undefined;
  /**
   * Fused JSON Lines setups whose window alone reads its event time (fused.ts epochField): the same
   * decoder with that field's ISO timestamps as epoch ms, for tasks whose rows never leave the chain.
   */
  private readonly epochLines: JsonLinesDecoder | undefined;
  /** Whether fused tasks without samples are decoded with epoch-ms times (epochLines or kafka.epoch). */
  private readonly epoch: boolean;
  private readonly chain: FusedChain | undefined;

  constructor(private readonly setup: WorkerSetup, private readonly kafka?: KafkaValues) {
    if (setup.format === 'kafka-json' && !kafka) throw new Error('a kafka-json task decoder needs the Kafka value decoder');
    this.lines = setup.format === 'jsonl' ? new JsonLinesDecoder(setup.fields, setup.scan ? { verbatim: true } : {}) : undefined;
    this.chain = setup.fused ? new FusedChain(setup.fused.plan, setup.fused.sample) : undefined;
    const time = setup.fused && setup.format === 'jsonl' ? epochField(setup.fused.plan) : undefined;
    this.epochLines = time !== undefined ? new JsonLinesDecoder(setup.fields, { epoch: [time] }) : undefined;
    this.epoch = this.epochLines !== undefined || kafka?.epoch !== undefined;
  }

  /**
   * The `count` records buf[starts[i], ends[i]) (a negative start is a null Kafka value), in order.
   * `plain`: rows even when the task could be pre-aggregated (the window refused its partials).
   */
  decode(buf: Buffer, starts: Int32Array<ArrayBufferLike>, ends: Int32Array<ArrayBufferLike>, count: number, plain = false): TaskResult {
    if (this.setup.scan) return this.scan(buf, starts, ends, count);
    const chain = this.chain;
    if (this.epoch && chain !== undefined && !plain && !chain.sampling) {
      // Rows with epoch-ms times, seen only by the chain and the window; a task they cannot be folded
      // for is decoded again with Dates and answered as rows, as without this decoder.
      const result = this.records(true, buf, starts, ends, count);
      if (result.rejected.length === 0) {
        const fused = chain.run(result.rows);
        if (fused) return { rows: [], rejected: result.rejected, skipped: result.skipped, fused };
      }
      return this.records(false, buf, starts, ends, count);
    }
    const result = this.records(false, buf, starts, ends, count);
    if (chain && !plain && result.rejected.length === 0) {
      const fused = chain.run(result.rows);
      if (fused) return { rows: [], rejected: result.rejected, skipped: result.skipped, fused };
    }
    return result;
  }

  /**
   * A scan setup's task, as the file source's checkJson does inline: records the learned shape accepts as
   * verbatim are only checked; the others decoded, with whether their bytes are verbatim. Strict UTF-8
   * only (the records' bytes are then the text the source hands on).
   */
  private scan(buf: Buffer, starts: Int32Array<ArrayBufferLike>, ends: Int32Array<ArrayBufferLike>, count: number): TaskResult {
    const lines = this.lines as JsonLinesDecoder;
    const checked = new Uint8Array(count);
    const rows: Row[] = [];
    const rejected: Rejected[] = [];
    const skipped: number[] = [];
    const verified = count > 0 && isUtf8(buf.subarray(starts[0] as number, ends[count - 1] as number));
    for (let i = 0; i < count; i++) {
      const start = starts[i] as number;
      const end = ends[i] as number;
      if (!verified) {
        const text = asUtf8(buf, start, end, 'utf-8');
        if (!text.ok) {
          rejected.push({ index: i, problem: '', text: buf.toString('utf8', start, end), invalidByte: text.invalidAt - start });
          continue;
        }
      }
      if (lines.scan(buf, start, end)) {
        checked[i] = CHECKED;
        continue;
      }
      const decoded = lines.decode(buf, start, end);
      if (decoded instanceof JsonRejection) rejected.push({ index: i, problem: decoded.problem, text: decoded.text });
      else if (decoded) {
        rows.push(decoded);
        if (lines.verbatim) checked[i] = VERBATIM;
      } else skipped.push(i);
    }
    return { rows, rejected, skipped, checked };
  }

  private records(epoch: boolean, buf: Buffer, starts: Int32Array<ArrayBufferLike>, ends: Int32Array<ArrayBufferLike>, count: number): TaskResult {
    const kafka = this.kafka;
    const lines = epoch ? this.epochLines : this.lines;
    const values = kafka && ((epoch ? kafka.epoch : undefined) ?? kafka.decoder);
    let from = Infinity;
    let to = 0;
    for (let i = 0; i < count; i++) {
      from = Math.min(from, starts[i] as number);
      to = Math.max(to, ends[i] as number);
    }
    // Strict UTF-8: one check for the whole task instead of one per record, as the source does per chunk
    // inline (a newline never falls inside a UTF-8 sequence, so the records are valid exactly when all are).
    const verified = lines !== undefined && (this.setup.encoding ?? 'utf-8') === 'utf-8' && count > 0 && isUtf8(buf.subarray(from, to));
    const rows: Row[] = [];
    const rejected: Rejected[] = [];
    const skipped: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = starts[i] as number;
      const end = ends[i] as number;
      if (kafka && values) {
        const decoded = start < 0 ? values.decode(null) : values.decode(buf, start, end);
        if (decoded instanceof kafka.Failure) rejected.push({ index: i, problem: decoded.reason, text: '' });
        else rows.push(decoded);
        continue;
      }
      if (verified) {
        const decoded = lines.decode(buf, start, end);
        if (decoded instanceof JsonRejection) rejected.push({ index: i, problem: decoded.problem, text: decoded.text });
        else if (decoded) rows.push(decoded);
        else skipped.push(i);
        continue;
      }
      // The file's encoding, checked or converted per record as the source does inline (source.ts handle).
      const text = asUtf8(buf, start, end, this.setup.encoding);
      if (!text.ok) {
        rejected.push({ index: i, problem: '', text: buf.toString('utf8', start, end), invalidByte: text.invalidAt - start });
        continue;
      }
      const decoded = lines!.decode(text.buf, text.start, text.end);
      if (decoded instanceof JsonRejection) rejected.push({ index: i, problem: decoded.problem, text: decoded.text });
      else if (decoded) rows.push(decoded);
      else skipped.push(i);
    }
    return { rows, rejected, skipped };
  }
}
