// A decode worker thread: turns the records of each task into rows with exactly the code the sources use
// inline (json-record.ts for files, formats.ts for Kafka values), and answers with the rows as columns.
import { isUtf8 } from 'node:buffer';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { createDecoder, DecodeFailure, type Decoder } from '../kafka/formats.ts';
import type { Row } from '../runtime/types.ts';
import { asUtf8 } from '../sources/encoding.ts';
import { JsonLinesDecoder, JsonRejection } from '../sources/file/json-record.ts';
import { type ColumnBatch, toColumns } from './columns.ts';
import { FusedChain } from './fused.ts';
import type { DecodeAnswer, DecodeTask, Rejected, SharedViews, WorkerSetup } from './protocol.ts';

const setup = workerData as WorkerSetup;
const fields = setup.fields;
const lines = setup.format === 'jsonl' ? new JsonLinesDecoder(fields) : undefined;
/** `__proto__` cannot be set like other keys: such rows are cloned whole. */
const columnar = fields !== undefined && !fields.includes('__proto__');
const fused = setup.fused ? new FusedChain(setup.fused.plan, setup.fused.sample) : undefined;
const kafka: Decoder | undefined = setup.format === 'kafka-json' ? createDecoder('json', { fields, maxBytes: setup.maxBytes }) : undefined;

const spaces = new Map<number, SharedViews>();
/**
 * The records are decoded from a private copy: the projected decoder's word loads (DataView) over shared
 * memory were ~2x slower than over a plain buffer, and one copy of a run costs far less.
 */
let local = Buffer.alloc(256 << 10);

function decode(task: DecodeTask): DecodeAnswer {
  if (task.views) spaces.set(task.space, task.views);
  const views = spaces.get(task.space);
  if (!views) throw new Error(`unknown task space ${task.space}`);
  const { starts, ends } = views;
  const count = task.count;
  let size = 0;
  for (let i = 0; i < count; i++) size = Math.max(size, ends[i] as number);
  if (local.length < size) local = Buffer.alloc(Math.max(size, local.length * 2));
  local.set(views.bytes.subarray(0, size));
  const buf = local;
  // Strict UTF-8: one check for the whole task instead of one per record, as the source does per chunk
  // inline (a newline never falls inside a UTF-8 sequence, so the records are valid exactly when all are).
  const verified = lines !== undefined && (setup.encoding ?? 'utf-8') === 'utf-8' && isUtf8(buf.subarray(0, size));
  const rows: Row[] = [];
  const rejected: Rejected[] = [];
  const skipped: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = starts[i] as number;
    const end = ends[i] as number;
    if (kafka) {
      const decoded = start < 0 ? kafka.decode(null) : kafka.decode(buf, start, end);
      if (decoded instanceof DecodeFailure) rejected.push({ index: i, problem: decoded.reason, text: '' });
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
    const text = asUtf8(buf, start, end, setup.encoding);
    if (!text.ok) {
      rejected.push({ index: i, problem: '', text: buf.toString('utf8', start, end), invalidByte: text.invalidAt - start });
      continue;
    }
    const decoded = lines!.decode(text.buf, text.start, text.end);
    if (decoded instanceof JsonRejection) rejected.push({ index: i, problem: decoded.problem, text: decoded.text });
    else if (decoded) rows.push(decoded);
    else skipped.push(i);
  }
  if (fused && !task.plain && rejected.length === 0) {
    const batch = fused.run(rows);
    if (batch) return { id: task.id, fused: batch, rejected, skipped };
  }
  return columnar && fields ? { id: task.id, columns: withoutArrays(toColumns(rows, fields, views)), rejected, skipped } : { id: task.id, rows, rejected, skipped };
}

/** The columns' tags and values are already in the shared space. */
function withoutArrays(batch: ColumnBatch): Omit<ColumnBatch, 'tags' | 'values'> {
  if (batch.tags.buffer instanceof SharedArrayBuffer) return { count: batch.count, fields: batch.fields, strings: batch.strings, others: batch.others };
  throw new Error('the columns did not fit the task space');
}

const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread');
function answer(task: DecodeTask): DecodeAnswer {
  try {
    return decode(task);
  } catch (error) {
    return { id: task.id, rejected: [], skipped: [], failure: error instanceof Error ? error.stack ?? error.message : String(error) };
  }
}

port.on('message', (task: DecodeTask) => {
  // Tasks that queued up meanwhile are answered in the same message: a message costs tens of µs or more
  // on a busy machine (the structured clone and waking the other thread), which per task of 1024
  // records was the worker's largest cost after decoding.
  const answers = [answer(task)];
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) answers.push(answer(next.message as DecodeTask));
  port.postMessage(answers);
});
port.postMessage('ready');
