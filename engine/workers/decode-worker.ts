// A decode worker thread: turns the records of each task into rows with exactly the code the sources use
// inline (json-record.ts for files, formats.ts for Kafka values), and answers with the rows as columns.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type ColumnBatch, toColumns } from './columns.ts';
import { type KafkaValues, TaskDecoder } from './decoder.ts';
import { epochField } from './fused.ts';
import { type DecodeAnswer, type DecodeTask, progressDone, progressReady, type SharedViews, type WorkerData } from './protocol.ts';
import { threadCpuSeconds, tracing, type WorkerTrace } from './trace.ts';

const setup = workerData as WorkerData;
const fields = setup.fields;
/** `__proto__` cannot be set like other keys: such rows are cloned whole. */
const columnar = fields !== undefined && !fields.includes('__proto__');
const decoder = new TaskDecoder(setup, setup.format === 'kafka-json' ? await kafkaValues() : undefined);

/** Loaded only by Kafka workers (decoder.ts KafkaValues). */
async function kafkaValues(): Promise<KafkaValues> {
  const { createDecoder, DecodeFailure } = await import('../kafka/formats.ts');
  const time = setup.fused ? epochField(setup.fused.plan) : undefined;
  const decoder = createDecoder('json', { fields, maxBytes: setup.maxBytes });
  if (time === undefined) return { decoder, Failure: DecodeFailure };
  return { decoder, epoch: createDecoder('json', { fields, maxBytes: setup.maxBytes, epoch: [time] }), Failure: DecodeFailure };
}
/** Read by the source's thread without waiting for messages (pool.ts backlog). */
const progress = setup.progress;

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
  const { rows, rejected, skipped, fused, checked } = decoder.decode(local, starts, ends, count, task.plain === true);
  if (fused) return { id: task.id, fused, rejected, skipped };
  if (checked) return { id: task.id, rows, rejected, skipped, checked };
  return columnar && fields ? { id: task.id, columns: withoutArrays(toColumns(rows, fields, views)), rejected, skipped } : { id: task.id, rows, rejected, skipped };
}

/** The columns' tags and values are already in the shared space. */
function withoutArrays(batch: ColumnBatch): Omit<ColumnBatch, 'tags' | 'values'> {
  if (batch.tags.buffer instanceof SharedArrayBuffer) return { count: batch.count, fields: batch.fields, strings: batch.strings, others: batch.others };
  throw new Error('the columns did not fit the task space');
}

if (!parentPort) throw new Error('decode-worker.ts runs as a worker thread');
const port: MessagePort = parentPort;
function answer(task: DecodeTask): DecodeAnswer {
  try {
    return decode(task);
  } catch (error) {
    return { id: task.id, rejected: [], skipped: [], failure: error instanceof Error ? error.stack ?? error.message : String(error) };
  } finally {
    Atomics.add(progress, progressDone, 1);
  }
}

const perMessage = 4;
function post(answers: DecodeAnswer[]): void {
  port.postMessage(answers);
  trace.tasks += answers.length;
  trace.messages++;
}

const trace: WorkerTrace = { busyMs: 0, idleMs: 0, tasks: 0, messages: 0, cpuSeconds: 0 };
let idleSince = performance.now();
function postTrace(): void {
  port.postMessage({ trace: { ...trace, cpuSeconds: threadCpuSeconds() } });
}

port.on('message', (task: DecodeTask | 'trace') => {
  if (task === 'trace') {
    postTrace();
    return;
  }
  const began = tracing ? performance.now() : 0;
  // Tasks that queued up meanwhile are answered together: a message costs tens of µs or more on a busy
  // machine (the structured clone and waking the other thread), which per task of 1024 records was the
  // worker's largest cost after decoding. But at most `perMessage` wait: the source's thread needs the
  // oldest answer first, and while it waited for a long run of them it neither delivered nor cut.
  let answers = [answer(task)];
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
    const message = next.message as DecodeTask | 'trace';
    if (message === 'trace') {
      postTrace();
      continue;
    }
    if (answers.length === perMessage) {
      post(answers);
      answers = [];
    }
    answers.push(answer(message));
  }
  post(answers);
  if (tracing) {
    const now = performance.now();
    trace.idleMs += began - idleSince;
    trace.busyMs += now - began;
    idleSince = now;
  }
});
Atomics.store(progress, progressReady, 1);
port.postMessage('ready');
