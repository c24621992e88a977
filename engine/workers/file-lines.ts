// JSON Lines of a file decoded on worker threads. The source's thread reads the file, finds the lines (a
// byte scan), asks the budget, and cuts runs of up to `batchSize` records; each run's bytes are copied into
// a transferable buffer and decoded by the pool while the next runs are cut; with a fused chain the run's
// thread decodes runs itself while the workers have enough in hand (`sharing`). Answers are taken strictly in
// the order the runs were cut, and a run's position (offset and line after it) becomes the source's
// position only in the step that pushes its rows: a checkpoint never covers a run the runtime has not
// received, exactly as with inline decoding.
import type { ReadStream } from 'node:fs';
import type { FusedBatch } from '../runtime/fusion.ts';
import type { DeadLetter, Row } from '../runtime/types.ts';
import type { TaskResult } from './decoder.ts';
import { coAligned, type Decoded, type DecodePool } from './pool.ts';
import { SourceTrace, tracing } from './trace.ts';

export interface LinesPosition {
  offset: number;
  line: number;
}

export interface PooledLines {
  stream: ReadStream;
  /** Where the stream starts. */
  from: LinesPosition;
  pool: DecodePool;
  batchSize: number;
  /** A line longer than this fails the read (the caller's message). */
  maxRecordBytes: number;
  tooLong(line: number): Error;
  budget: ((wanted: number) => number) | undefined;
  signal: AbortSignal;
  deadLetter(reason: string, payload: string, line: number): DeadLetter;
  /** The reason for a line that is not UTF-8: its line, the file offset of the bad byte, and its index in the line. */
  invalidUtf8(line: number, offset: number, byteInLine: number): string;
  /**
   * Moves the source's position and pushes both ports in one synchronous step, then waits for room.
   * With a scan pool (protocol.ts WorkerSetup.scan), `checked` says which records were only checked.
   */
  deliver(position: LinesPosition, rows: Row[], dead: DeadLetter[], checked?: CheckedRun): Promise<void>;
  /**
   * With a fused pool (runtime/fusion.ts): moves the position and delivers a pre-aggregated run in one
   * synchronous step, or answers null, changing nothing, when the run must be delivered as rows.
   */
  deliverFused?(position: LinesPosition, batch: FusedBatch): Promise<void> | null;
}

/**
 * A scan pool's run (protocol.ts WorkerSetup.scan): which records the worker only checked, where they are
 * in the buffer the file was read into (fresh buffers, never written again: a batch may keep them), and
 * the records that gave no row (rejected or blank), ascending. The others gave `rows`, in order.
 */
export interface CheckedRun {
  flags: Uint8Array;
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  rowless: number[];
}

interface Run {
  answer: Promise<Decoded> | undefined;
  /** Scan pools: the records' place in the read buffer. */
  source?: { buf: Buffer; starts: Int32Array; ends: Int32Array };
  /** Its answer is there (or it needs none): delivering it does not wait. */
  ready: boolean;
  /** A task the run's thread decoded itself (fused setups, the workers having enough in hand). */
  local?: Decoded;
  lines: Int32Array;
  /** File offset of each record's first byte (for the reasons of records that are not UTF-8). */
  offsets: Float64Array;
  end: LinesPosition;
}

const none: Decoded = { rows: () => [], rejected: [], skipped: [] };

const full = 0;
const exhausted = 1;
const stopped = 2;

/**
 * The line scan, kept out of the async driver: locals and typed arrays instead of context variables and
 * growing arrays (as closures of the async function it cost ~0.9 µs per line).
 */
class Scanner {
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;
  count = 0;
  /** File offset of the current buffer's first byte, and lines consumed. */
  base: number;
  line: number;
  scanFrom = 0;
  /** Where the last complete record of the current buffer ends. */
  start = 0;

  constructor(readonly batchSize: number, from: LinesPosition, private readonly budget: ((wanted: number) => number) | undefined) {
    this.starts = new Int32Array(batchSize);
    this.ends = new Int32Array(batchSize);
    this.lines = new Int32Array(batchSize);
    this.base = from.offset;
    this.line = from.line;
  }

  /** Collects records of buf until the run is full, buf has no complete line left, or the budget says stop. */
  scan(buf: Buffer): number {
    const { starts, ends, lines, batchSize, budget, base } = this;
    let { count, line, scanFrom, start } = this;
    let status = exhausted;
    for (;;) {
      const nl = buf.indexOf(10, scanFrom);
      if (nl < 0) break;
      if (budget && budget(1) === 0) {
        status = stopped;
        break;
      }
      line++;
      let s = start;
      let e = nl;
      if (base + s === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) s += 3;
      if (e > s && buf[e - 1] === 13) e--;
      if (e > s) {
        starts[count] = s;
        ends[count] = e;
        lines[count] = line;
        count++;
      }
      start = scanFrom = nl + 1;
      if (count === batchSize) {
        status = full;
        break;
      }
    }
    this.count = count;
    this.line = line;
    this.scanFrom = scanFrom;
    this.start = start;
    return status;
  }

  /** The last record of the file, which has no newline. */
  last(buf: Buffer): void {
    this.line++;
    let e = buf.length;
    const s = this.base === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (e > s && buf[e - 1] === 13) e--;
    if (e > s) {
      this.starts[this.count] = s;
      this.ends[this.count] = e;
      this.lines[this.count] = this.line;
      this.count++;
    }
    this.start = this.scanFrom = buf.length;
  }
}

/**
 * Work sharing of fused reads: `depth` = tasks every worker must have in hand (one being decoded, the rest
 * waiting) before the run's thread decodes the next one itself; enough to keep a worker busy while the
 * run's thread decodes one and delivers others. The workers start at task `startAfter` (a file of
 * fewer tasks, ~1.5 MB, is read before a worker is up). Tests replace the choice with `here` (given the task's
 * number in its read) to fix the split; `decodedHere` counts the tasks the run's thread decoded.
 */
export const sharing: { depth: number; startAfter: number; here: ((task: number) => boolean) | undefined; decodedHere: number } = { depth: 4, startAfter: 8, here: undefined, decodedHere: 0 };

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** File offset of each of the scanner's records (for the reasons of records that are not UTF-8). */
function offsetsOf(scanner: Scanner, n: number): Float64Array {
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = scanner.base + (scanner.starts[i] as number);
  return offsets;
}

/** A task decoded on the run's thread, as a worker's answer would give it. */
function decodedHere(result: TaskResult, again: () => TaskResult): Decoded {
  const { rows, rejected, skipped, fused, checked } = result;
  if (!fused) return checked ? { rows: () => rows, rejected, skipped, checked } : { rows: () => rows, rejected, skipped };
  return {
    rows: () => [],
    rejected,
    skipped,
    fused: {
      batch: fused,
      decoded: () => Promise.resolve(decodedHere(again(), again)),
      release: () => {},
    },
  };
}

export async function readLinesPooled(o: PooledLines): Promise<void> {
  const { pool, signal } = o;
  const local = pool.local;
  const scanning = pool.scanning;
  let tasks = 0;
  // Runs in hand per worker: with few, both threads waited on each other's wake-ups (each idle ~30-50 %).
  // Sharing fused tasks, runs the run's thread decoded wait behind a worker's answer: a few more.
  const maxInFlight = local ? 32 : pool.size * 8;
  const queue: Run[] = [];
  const scanner = new Scanner(o.batchSize, o.from, o.budget);
  let carry: Buffer | null = null;
  const trace = tracing ? new SourceTrace() : undefined;
  let events = 0;

  /** Hands the records collected since buf[from] to the pool as one run. */
  const cut = (buf: Buffer, from: number): void => {
    const to = scanner.start;
    const end = { offset: scanner.base + to, line: scanner.line };
    const n = scanner.count;
    if (n === 0) {
      queue.push({ answer: undefined, ready: true, lines: new Int32Array(0), offsets: new Float64Array(0), end });
      return;
    }
    const task = tasks++;
    if (task === sharing.startAfter) pool.start();
    if (local && (sharing.here ? sharing.here(task) : pool.backlog() >= sharing.depth)) {
      // Every worker has enough queued behind the one it is on, or none is up yet: the run's thread
      // decodes this one itself rather than wait for answers later. The run still takes its turn in the queue.
      const starts = scanner.starts.slice(0, n);
      const ends = scanner.ends.slice(0, n);
      const result = local.decode(buf, starts, ends, n);
      trace?.decodedHere(n);
      sharing.decodedHere++;
      events += n;
      queue.push({ answer: undefined, ready: true, local: decodedHere(result, () => local.decode(buf, starts, ends, n, true)), lines: scanner.lines.slice(0, n), offsets: offsetsOf(scanner, n), end, ...(scanning ? { source: { buf, starts, ends } } : {}) });
      scanner.count = 0;
      return;
    }
    const at = coAligned(0, buf, from);
    const space = pool.reserve(at + to - from, n);
    space.bytes.set(buf.subarray(from, to), at);
    const { starts, ends } = space;
    const shift = at - from;
    for (let i = 0; i < n; i++) {
      starts[i] = (scanner.starts[i] as number) + shift;
      ends[i] = (scanner.ends[i] as number) + shift;
    }
    const offsets = offsetsOf(scanner, n);
    trace?.submitted(pool.inFlight);
    events += n;
    const run: Run = { answer: pool.decode(space, n), ready: false, lines: scanner.lines.slice(0, n), offsets, end };
    if (scanning) run.source = { buf, starts: scanner.starts.slice(0, n), ends: scanner.ends.slice(0, n) };
    run.answer?.then(() => { run.ready = true; }, () => { run.ready = true; });
    queue.push(run);
    scanner.count = 0;
  };
  /** Delivers runs until at most `keep` are in hand; false once aborted. */
  const drain = async (keep: number, wait = true): Promise<boolean> => {
    while (queue.length > keep) {
      if (!wait && !(queue[0] as Run).ready) return true;
      const run = queue.shift() as Run;
      let decoded: Decoded;
      if (run.local) decoded = run.local;
      else if (trace && run.answer) {
        const at = performance.now();
        decoded = await run.answer;
        const waited = performance.now() - at;
        trace.waitAnswerMs += waited;
        if (waited > 0.05) trace.awaited++;
      } else decoded = run.answer ? await run.answer : none;
      if (signal.aborted) return false;
      if (decoded.fused) {
        const delivered = o.deliverFused?.(run.end, decoded.fused.batch);
        if (delivered) {
          decoded.fused.release();
          const at = trace ? performance.now() : 0;
          await delivered;
          if (trace) trace.waitRoomMs += performance.now() - at;
          if (signal.aborted) return false;
          continue;
        }
        // The window refused the partials (a late window): the run's records come back as rows.
        decoded = await decoded.fused.decoded();
        if (signal.aborted) return false;
      }
      const dead: DeadLetter[] = [];
      for (const r of decoded.rejected) {
        const at = run.lines[r.index] as number;
        const reason = r.invalidByte === undefined ? `line ${at}: ${r.problem}` : o.invalidUtf8(at, (run.offsets[r.index] as number) + r.invalidByte, r.invalidByte);
        dead.push(o.deadLetter(reason, r.text, at));
      }
      const checked = decoded.checked && run.source ? { flags: decoded.checked, ...run.source, rowless: [...decoded.rejected.map((r) => r.index), ...decoded.skipped].sort((a, b) => a - b) } : undefined;
      await o.deliver(run.end, decoded.rows(), dead, checked);
      if (signal.aborted) return false;
    }
    return true;
  };
  /** Cuts the complete records of buf into runs; where its unfinished tail starts, or -1 once stopped. */
  const consume = async (buf: Buffer): Promise<boolean> => {
    scanner.start = 0;
    for (;;) {
      const from = scanner.start;
      const status = scanner.scan(buf);
      if (status === stopped) {
        cut(buf, from);
        await drain(0);
        return false;
      }
      if (status === exhausted) {
        if (scanner.start > from) cut(buf, from);
        break;
      }
      cut(buf, from);
      // Fused: what is ready goes on at once, since the run's thread decodes tasks itself and must not
      // wait behind a worker's answer while it could (the queue then holds mostly small fused runs).
      if (local && !(await drain(0, false))) return false;
      // A turn of the event loop per run: a file read that completed meanwhile is taken in and the next
      // one starts (reads begin only on this thread's loop). Without it, reads waited for the end of each
      // chunk and the run's thread then waited for the file 26-32 % of a fused run.
      if (local) await turn();
      if (queue.length >= maxInFlight && !(await drain(maxInFlight - 1))) return false;
    }
    const done = scanner.start;
    if (buf.length - done > o.maxRecordBytes) throw o.tooLong(scanner.line + 1);
    carry = done < buf.length ? buf.subarray(done) : null;
    scanner.base += done;
    scanner.scanFrom -= done;
    return true;
  };

  let readAt = trace ? performance.now() : 0;
  // One chunk asked for ahead of the one being cut (the stream itself reads one more): with the stream's
  // own read-ahead alone the run's thread waited for the file 13-18 % of a fused run, and the workers ran
  // dry meanwhile. The caller destroys the stream, which settles a read still pending.
  const chunks = (o.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let ahead = chunks.next();
  for (;;) {
    const item = await ahead;
    if (trace) trace.waitReadMs += performance.now() - readAt;
    if (item.done) break;
    ahead = chunks.next();
    ahead.catch(() => {});
    const chunk = item.value;
    if (signal.aborted) return;
    let buf = chunk;
    if (carry) {
      const nl = chunk.indexOf(10);
      if (nl < 0) buf = Buffer.concat([carry, chunk]);
      else {
        if (!(await consume(Buffer.concat([carry, chunk.subarray(0, nl + 1)])))) return;
        buf = chunk.subarray(nl + 1);
      }
    }
    if (!(await consume(buf))) return;
    if (trace) readAt = performance.now();
  }
  const last = carry as Buffer | null;
  if (last && last.length > 0 && (!o.budget || o.budget(1) > 0)) {
    scanner.start = 0;
    scanner.last(last);
    cut(last, 0);
    scanner.base += last.length;
  }
  if (!(await drain(0))) return;
  await o.deliver({ offset: scanner.base, line: scanner.line }, [], []);
  if (trace) process.stderr.write(`${trace.report(events, await pool.traces())}\n`);
}
