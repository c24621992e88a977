// Decode workers for one source. Tasks go to the worker with the fewest in hand; every task's answer comes
// back as a promise, and the source awaits them in the order it submitted them, so rows reach the runtime
// in file (or partition) order whatever worker finished first. A worker that fails rejects its tasks with
// ENG_SOURCE_WORKER, and the source fails the run with it: nothing is skipped silently.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import type { FusedBatch } from '../runtime/fusion.ts';
import type { Row } from '../runtime/types.ts';
import { buildWorkerBundle, bundledWorker, PREBUILT_WORKER } from './bundle.ts';
import { fromColumns } from './columns.ts';
import { TaskDecoder } from './decoder.ts';
import { type DecodeAnswer, type DecodeTask, progressDone, progressReady, type Rejected, type WorkerData, type WorkerSetup } from './protocol.ts';
import type { WorkerTrace } from './trace.ts';

/** Workers start from the bundled code once this process built it (bundle.ts), from the TypeScript sources before. */
const entry = new URL('./entry.js', import.meta.url);

/** A task's outcome on the source's thread: rows in record order, the rest by record index. */
export interface Decoded {
  /**
   * The rows, built when taken (once): built as answers arrived, every run in hand had its rows alive
   * and the main thread's collections cost a quarter of its time.
   */
  rows(): Row[];
  rejected: Rejected[];
  skipped: number[];
  /**
   * A fused task (runtime/fusion.ts), pre-aggregated: rows() is empty. Its records stay in the task's
   * space until release() (delivered) or decoded(), which decodes them again as rows (the window refused
   * the partials) and frees the space with that answer.
   */
  fused?: { batch: FusedBatch; decoded(): Promise<Decoded>; release(): void };
  /** Scan setups (protocol.ts WorkerSetup.scan): CHECKED, VERBATIM or 0 per record. */
  checked?: Uint8Array;
}

/**
 * Decode workers of a file source whose chain and window are fused (runtime/fusion.ts) when neither
 * STREAMLAKE_WORKERS nor the source's option says: one. With the run's thread sharing the decoding
 * (file-lines.ts) it does 27-50 % less per event (0.59-0.61 against 0.84-1.21 µs CPU in the same bench
 * runs) and no longer waits for answers (1-2 % of the run against 66 %), for ~0.3 µs CPU per event more
 * over all threads (README.md). Fused Kafka sources too (2026-12-07: the same wall time as on their
 * thread on two cores shared with the broker, the run's thread at half the CPU).
 */
export const defaultFusedWorkers = 1;

/**
 * How many decode workers a source uses: `STREAMLAKE_WORKERS` (0 = decode on the run's own thread), else
 * the option, else `defaultFusedWorkers` for a source whose chain and window are fused and none for the
 * others. Measured on the 2-core build machine (README.md): a worker that hands rows back cost ~0.6 µs CPU
 * per row more than it saved the run's thread (columns out and back, copies, a worker start of ~0.3 s CPU);
 * one that pre-aggregates takes ~2/3 of the run's thread's work for ~0.2 µs more CPU per event in all.
 */
export function decodeWorkers(option?: number, fused = false): number {
  const env = process.env.STREAMLAKE_WORKERS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new EngineError('ENG_SOURCE_WORKER', `STREAMLAKE_WORKERS must be a whole number from 0 to 64, got "${env}"`, { value: env });
    return n;
  }
  return option ?? (fused ? defaultFusedWorkers : 0);
}

/** Whether a worker has a file to start from (else sources decode on the run's thread). */
export function workersAvailable(): boolean {
  return prebuilt !== undefined || (entry.protocol === 'file:' && existsSync(fileURLToPath(entry)));
}

/**
 * The worker written beside an application bundle (Electron's out/electron/, engine/host/launch.ts): a
 * self-contained ES module, npm packages included, found next to the module this code was bundled into.
 * Inside an asar archive it is read from the unpacked copy electron-builder keeps beside it (asarUnpack),
 * where nothing needs Electron's archive support in a worker thread.
 */
export function prebuiltWorker(moduleUrl: string): URL | undefined {
  const url = new URL(`./${PREBUILT_WORKER}`, moduleUrl);
  if (url.protocol !== 'file:') return undefined;
  const path = fileURLToPath(url);
  const unpacked = path.replace(/\.asar([\\/])/, '.asar.unpacked$1');
  if (unpacked !== path && existsSync(unpacked)) return pathToFileURL(unpacked);
  return existsSync(path) ? url : undefined;
}

const prebuilt = prebuiltWorker(import.meta.url);

interface Slot {
  worker: Worker;
  /** The file it started from (bundle.ts or entry.js). */
  entry: URL;
  pending: Map<number, { resolve: (d: Decoded) => void; reject: (e: Error) => void; space: TaskSpace; count: number }>;
  /** Space id → the version of its views this worker has. */
  seen: Map<number, number>;
  failed: Error | undefined;
  /** Tasks sent, and (shared with the worker, protocol.ts) tasks it has finished and whether it is up. */
  submitted: number;
  progress: Int32Array;
  /** Waiting for the worker's trace (trace.ts). */
  traced?: (trace: WorkerTrace) => void;
}

/** Tasks sent to a worker and not finished yet. */
function inHand(slot: Slot): number {
  return slot.submitted - Atomics.load(slot.progress, progressDone);
}

function shared<T>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return make(new SharedArrayBuffer(Math.max(bytes, 8)));
}

let spaces = 0;

/**
 * The first position at or after `at` in a task space's bytes with the same address alignment (mod 8) as
 * `source[from]`: copying there takes V8's word-wise path into shared memory. A copy whose source and
 * destination are aligned differently goes byte by byte (relaxed atomics), ~0.29 against ~0.036 ns a byte
 * (Node 20); for a file's runs that was ~60 ns an event on the run's thread. A space's bytes begin at the
 * start of their SharedArrayBuffer, and buffers begin 8-aligned, so offsets decide it.
 */
export function coAligned(at: number, source: Uint8Array, from: number): number {
  return at + ((source.byteOffset + from - at) & 7);
}

/** The most coAligned adds to a position. */
export const ALIGN_SLACK = 7;

/** Shared memory for one task in hand: the records' bytes and ranges, and the columns of the answer. */
export class TaskSpace {
  readonly id = spaces++;
  /** Bumped when it grows: the worker must be sent the new views. */
  version = 0;
  bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  starts: Int32Array<ArrayBufferLike> = new Int32Array(0);
  ends: Int32Array<ArrayBufferLike> = new Int32Array(0);
  tags: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  values: Float64Array<ArrayBufferLike> = new Float64Array(0);

  /** Grows (never shrinks) to hold `byteLength` bytes of `count` records of `width` fields. */
  fit(byteLength: number, count: number, width: number): this {
    const before = this.bytes;
    const tags = this.tags;
    const starts = this.starts;
    if (this.bytes.length < byteLength) this.bytes = shared((b) => new Uint8Array(b), Math.max(byteLength, 256 << 10));
    if (this.starts.length < count) {
      this.starts = shared((b) => new Int32Array(b), count * 4);
      this.ends = shared((b) => new Int32Array(b), count * 4);
    }
    if (this.tags.length < count * width) {
      this.tags = shared((b) => new Uint8Array(b), count * width);
      this.values = shared((b) => new Float64Array(b), count * width * 8);
    }
    if (before !== this.bytes || tags !== this.tags || starts !== this.starts) this.version++;
    return this;
  }
}

export class DecodePool {
  /** Workers started by all pools of this thread (tests: a small fused file starts none). */
  static started = 0;
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;
  private readonly free: TaskSpace[] = [];
  private readonly width: number;
  private here: TaskDecoder | undefined;

  /** `from`: the file workers start from, instead of the bundle, the prebuilt worker or entry.js (tests). */
  constructor(private readonly workers: number, private readonly setup: WorkerSetup, private readonly from?: URL) {
    this.width = setup.fields?.length ?? 0;
    void buildWorkerBundle();
    // Workers start with the first task (or, for a pool whose tasks the run's thread can decode itself,
    // when the reader asks: a small file is read before a worker would have loaded its code), by then
    // usually from the bundle: a Kafka source's first batch comes after its group join.
  }

  get size(): number {
    return this.workers;
  }

  /** The files the started workers run (tests: the bundle once built). */
  get entries(): URL[] {
    return this.slots.map((slot) => slot.entry);
  }

  /** Tasks answer which records were only checked (protocol.ts WorkerSetup.scan). */
  get scanning(): boolean {
    return this.setup.scan === true;
  }

  /** Whether the run's thread may decode tasks itself (`local`): fused or scanned JSON Lines. */
  private get canShare(): boolean {
    return (this.setup.fused !== undefined || this.setup.scan === true) && this.setup.format === 'jsonl';
  }

  /** Starts the workers (once); decode() does it for its first task. */
  start(): void {
    if (this.slots.length > 0 || this.closed) return;
    for (let i = 0; i < this.workers; i++) this.slots.push(this.spawn(this.setup));
    DecodePool.started += this.workers;
  }

  /**
   * Fused JSON Lines setups (else undefined): the same decoder on the run's thread, for tasks it decodes
   * itself while every worker has enough in hand (file-lines.ts), so both cores work even when a worker
   * is the slower side.
   */
  get local(): TaskDecoder | undefined {
    if (this.canShare) this.here ??= new TaskDecoder(this.setup);
    return this.here;
  }

  private spawn(setup: WorkerSetup): Slot {
    const progress = new Int32Array(new SharedArrayBuffer(8));
    const data: WorkerData = { ...setup, progress };
    const from = this.from ?? bundledWorker() ?? prebuilt ?? entry;
    const worker = new Worker(from, { workerData: data, name: 'streamlake-decode' });
    const slot: Slot = { worker, entry: from, pending: new Map(), seen: new Map(), failed: undefined, submitted: 0, progress };
    const fail = (error: Error): void => {
      if (this.closed) return;
      slot.failed ??= new EngineError('ENG_SOURCE_WORKER', `a decode worker failed: ${error.message}`, {}, { cause: error });
      for (const p of slot.pending.values()) p.reject(slot.failed);
      slot.pending.clear();
    };
    worker.on('message', (message: DecodeAnswer[] | 'ready' | { trace: WorkerTrace }) => {
      if (message === 'ready') return;
      if (!Array.isArray(message)) {
        slot.traced?.(message.trace);
        return;
      }
      for (const answer of message) this.settle(slot, answer);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the worker exited with code ${code}`)));
    return slot;
  }

  /** Resolves the task a worker answered. */
  private settle(slot: Slot, message: DecodeAnswer): void {
    const p = slot.pending.get(message.id);
    if (!p) return;
    slot.pending.delete(message.id);
    if (message.failure !== undefined) {
      p.reject(new EngineError('ENG_SOURCE_WORKER', `a decode worker failed: ${message.failure}`, {}));
      return;
    }
    const { columns, rejected, skipped } = message;
    if (message.fused) {
      let settled = false;
      const settle = (): void => {
        if (settled) throw new Error('a fused task was settled twice');
        settled = true;
      };
      p.resolve({
        rows: () => [],
        rejected,
        skipped,
        fused: {
          batch: message.fused,
          decoded: () => {
            settle();
            return this.decode(p.space, p.count, true);
          },
          release: () => {
            settle();
            this.free.push(p.space);
          },
        },
      });
      return;
    }
    let rows = message.rows;
    if (!columns) this.free.push(p.space);
    p.resolve({
      rows: () => {
        if (!rows && columns) {
          // The columns live in the space: it is reused only once they are rows.
          rows = fromColumns({ ...columns, tags: p.space.tags, values: p.space.values });
          this.free.push(p.space);
        }
        return rows ?? [];
      },
      rejected,
      skipped,
      ...(message.checked ? { checked: message.checked } : {}),
    });
  }

  /** Space for a task of `byteLength` bytes and `count` records; fill it and hand it to decode(). */
  reserve(byteLength: number, count: number): TaskSpace {
    return (this.free.pop() ?? new TaskSpace()).fit(byteLength, count, this.width);
  }

  /** Decodes the `count` records space.bytes[starts[i], ends[i]); the space returns to the pool with the answer. */
  decode(space: TaskSpace, count: number, plain = false): Promise<Decoded> {
    if (this.closed) return Promise.reject(new EngineError('ENG_SOURCE_WORKER', 'the decode workers are closed', {}));
    this.start();
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (inHand(s) < inHand(slot)) slot = s;
    if (slot.failed) return Promise.reject(slot.failed);
    const id = this.nextId++;
    const task: DecodeTask = plain ? { id, space: space.id, count, plain } : { id, space: space.id, count };
    if (slot.seen.get(space.id) !== space.version) {
      task.views = { bytes: space.bytes, starts: space.starts, ends: space.ends, tags: space.tags, values: space.values };
      slot.seen.set(space.id, space.version);
    }
    const answer = new Promise<Decoded>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, space, count });
      slot.worker.postMessage(task);
    });
    slot.submitted++;
    // Answers wait in the source's queue before it awaits them; a failure meanwhile is not unhandled.
    answer.catch(() => {});
    return answer;
  }

  /**
   * The fewest tasks any worker that is up has been sent and not finished yet (Infinity while none is
   * up: a worker loads its code for ~0.3 s), read from shared memory: current even while the caller has
   * not let the event loop deliver the answers.
   */
  backlog(): number {
    let least = Infinity;
    for (const s of this.slots) if (Atomics.load(s.progress, progressReady) === 1) least = Math.min(least, inHand(s));
    return least;
  }

  /** Tasks submitted and not answered yet, over all workers. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending.size;
    return n;
  }

  /** Each worker's busy and idle time so far (STREAMLAKE_WORKER_TRACE, trace.ts). */
  traces(): Promise<WorkerTrace[]> {
    return Promise.all(this.slots.map((slot) => new Promise<WorkerTrace>((resolve) => {
      slot.traced = resolve;
      slot.worker.postMessage('trace');
    })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
