// What the database sinks' tests share (engine/sinks/*/sink.test.ts and crash.test.ts): the pipeline
// document file → (middle nodes) → the sink, a run of it, rows as JSON Lines, and the kill -9 loop that
// runs the CLI as a child process, killing it at fault points and at random moments.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import { systemClock, systemTimers } from '../runtime/clock.ts';
import { createRun, type RunEvent } from '../runtime/run.ts';
import type { NodeContext, Row } from '../runtime/types.ts';

const cli = new URL('../cli/bin.js', import.meta.url).pathname;

/** file `in` (JSON Lines) → `middle` in a chain → `sink`; `extra` nodes and `edges` added as they are. */
export function fileDoc(name: string, file: string, middle: NodeSpec[], sink: NodeSpec, extra: NodeSpec[] = [], edges: PipelineDoc['edges'] = []): PipelineDoc {
  const chain = ['in', ...middle.map((n) => n.id), sink.id];
  return {
    format: 'streamlake.pipeline',
    version: 1,
    name,
    nodes: [{ id: 'in', type: 'source.file', config: { path: file, format: 'jsonl' } }, ...middle, sink, ...extra],
    edges: [...chain.slice(1).map((to, i) => ({ from: chain[i] as string, to })), ...edges],
  };
}

/** One run in this process, homed in `home` (lake below it), checkpoints every `interval` ms (50). */
export async function runDoc(d: PipelineDoc, home: string, checkpointDir: string, opts: { interval?: number; onEvent?: (e: RunEvent) => void } = {}) {
  const r = createRun(d, { lakeDir: path.join(home, 'lake'), homeDir: home, checkpointDir, checkpointInterval: opts.interval ?? 50, onEvent: opts.onEvent });
  const summary = await r.start();
  return { summary, r };
}

export const jsonl = (rows: readonly Row[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export interface Life { exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill(): void; output: string[] }

/** `streamlake <args>` as a child process with STREAMLAKE_HOME = home, dying at `fault` when given. */
export function life(args: string[], home: string, fault?: string): Life {
  const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_HOME: home };
  if (fault) env.STREAMLAKE_FAULT = fault;
  else delete env.STREAMLAKE_FAULT;
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { exit, output, kill: () => child.kill('SIGKILL') };
}

/**
 * The kill -9 loop: a life per step of `plan`, a fault point (`name@n`, killed after `faultMs` if it is
 * not reached) or a kill after that many ms plus up to 1.5 s (a fixed pseudo-random sequence), until a
 * life finishes; none may fail, and every fault-point life must die before the input ends. Then a last
 * life runs to the end.
 */
export async function killLoop(args: string[], home: string, plan: readonly (string | number)[], faultMs = 30_000): Promise<void> {
  let rand = 424242;
  const random = (): number => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Fault points a life finished without reaching, or that came after the input had ended: the test did
  // not exercise them. A life that dies at its n-th commit lives longer on a loaded machine, and the
  // rate-limited generator covers more of its input meanwhile, so an input that outlasts the plan on an
  // idle machine can end before it in CI (the Cassandra test's 8,000 events did).
  const missed: string[] = [];
  let ended = false;
  for (const step of plan) {
    if (ended) {
      if (typeof step === 'string') missed.push(step);
      continue;
    }
    const l = typeof step === 'string' ? life(args, home, step) : life(args, home);
    // eslint-disable-next-line no-restricted-globals -- test harness: the child is killed after real time, as in the *.test.ts files
    const timer = setTimeout(l.kill, typeof step === 'number' ? step + Math.floor(random() * 1500) : faultMs);
    const outcome = await l.exit;
    clearTimeout(timer);
    assert.notEqual(outcome.code, 1, l.output.join(''));
    if (typeof step === 'string' && outcome.signal !== 'SIGKILL') missed.push(step);
    if (outcome.code === 0) ended = true;
  }
  assert.deepEqual(missed, [], `fault points not reached before the input ended (lengthen the input): ${missed.join(', ')}`);
  const last = life(args, home);
  const outcome = await last.exit;
  assert.equal(outcome.code, 0, last.output.join(''));
}

/** A sink node's context for tests that build a sink directly: state under `home`, metrics dropped, log lines into `logs` when given. */
export function sinkContext(home: string, pipeline: string, node: string, logs?: string[]): NodeContext {
  return {
    nodeId: node, pipelineName: pipeline, clock: systemClock, timers: systemTimers, lakeDir: path.join(home, 'lake'), homeDir: home,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal,
    log: logs ? (_level, message) => { logs.push(message); } : () => undefined,
  };
}
