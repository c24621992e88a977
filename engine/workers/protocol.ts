// Messages between a source and its decode workers. A task is a run of records: their bytes copied into one
// transferable buffer with each record's [start, end) in it. The answer keeps the records' order: the rows
// of the records that decoded (in order), and the others by record index with the reason.
import type { InputEncoding } from '../sources/encoding.ts';
import type { FusedBatch, FusionPlan } from '../runtime/fusion.ts';
import type { Row } from '../runtime/types.ts';
import type { ColumnBatch } from './columns.ts';

/**
 * What a worker decodes: JSON Lines records as the file source does (blank records skipped), or JSON
 * message values as source.kafka does (formats.ts: size limit, strict UTF-8, a tombstone is an empty row).
 */
export type DecodeFormat = 'jsonl' | 'kafka-json';

export interface WorkerSetup {
  format: DecodeFormat;
  /** The projection: rows carry only these fields and travel as columns; undefined = whole rows, cloned. */
  fields: readonly string[] | undefined;
  /** kafka-json: larger values are rejected (formats.ts maxBytes). */
  maxBytes?: number;
  /** jsonl: how the file's bytes become text (sources/encoding.ts), as the file source says; default utf-8. */
  encoding?: InputEncoding;
  /**
   * Set when the source's chain and window are fused (runtime/fusion.ts): a task whose rows all pass the
   * chain without a failure and fold into partial windows is answered with a FusedBatch; any other task
   * with its rows, as without fusion. `sample`: rows per node of the first tasks' previews (fused.ts).
   */
  fused?: { plan: FusionPlan; sample: number };
  /**
   * jsonl, strict UTF-8, whole rows, for a source whose consumers only copy each row's bytes (lazy
   * batches, sources/file/lazy-rows.ts): a record the learned shape accepts as verbatim is only checked
   * (JsonLinesDecoder.scan) and comes back as a flag, not a row; the others are decoded as always.
   */
  scan?: true;
}

/** What each worker starts with: the setup, and where it says how far it is. */
export interface WorkerData extends WorkerSetup {
  /**
   * Over a SharedArrayBuffer, read by the source's thread without waiting for messages: [progressDone]
   * tasks finished (bumped before their answer is posted), [progressReady] 1 once the worker takes tasks.
   */
  progress: Int32Array;
}

export const progressDone = 0;
export const progressReady = 1;

/** Shared memory of one task space: the records' bytes and ranges, and where the worker writes the columns. */
export interface SharedViews {
  bytes: Uint8Array;
  /** A negative start marks a null value (a Kafka tombstone). */
  starts: Int32Array;
  ends: Int32Array;
  tags: Uint8Array;
  values: Float64Array;
}

/**
 * A task names a space of SharedArrayBuffers the pool reuses; its views travel only when the worker has
 * not seen that space (or it grew). Copying every run into fresh transferable buffers allocated ~200 MB
 * of external memory per million lines, and passing shared views with every message made each side wrap
 * and track them again: in both cases the main thread's GC share doubled or worse.
 */
export interface DecodeTask {
  id: number;
  space: number;
  count: number;
  views?: SharedViews;
  /** Fused setup: answer with rows even if the task could be pre-aggregated (the window refused the partials). */
  plain?: true;
}

export interface Rejected {
  /** The record's index in its task. */
  index: number;
  /** What is wrong: file records without their line (the source adds it), Kafka values as formats.ts says. */
  problem: string;
  /** The record's text (file records; a Kafka source describes the payload itself). */
  text: string;
  /**
   * A file record that is not UTF-8 (strict encoding): its first invalid byte, counted from the record's
   * start. The source words the reason, since only it knows the record's offset in the file.
   */
  invalidByte?: number;
}

export interface DecodeAnswer {
  id: number;
  /** With a projection: the columns except tags and values, which are in the task's space. */
  columns?: Omit<ColumnBatch, 'tags' | 'values'>;
  /** Without one. */
  rows?: Row[];
  /** A fused task, pre-aggregated (no rows, rejected and skipped are empty). */
  fused?: FusedBatch;
  rejected: Rejected[];
  /** Records that gave neither a row nor a rejection (blank lines), by index. */
  skipped: number[];
  /** Scan setups: per record, CHECKED (no row), VERBATIM (a row, and its bytes are its JSON) or 0. */
  checked?: Uint8Array;
  /** Set when the worker itself failed on this task. */
  failure?: string;
}

/** DecodeAnswer.checked: the record was only checked, its row is decoded when read. */
export const CHECKED = 1;
/** DecodeAnswer.checked: the record was decoded and its bytes are its row's JSON as a JSON sink writes it. */
export const VERBATIM = 2;
