// Checkpoint orchestration of a run (run.ts): restore on start, and barriers while it runs.
//
// Checkpoints are aligned barriers with a two-phase commit (see README.md): at one synchronous point the
// runtime snapshots every operator and every source position, then drops a marker into every sink
// queue. At its marker each sink prepares (what came before it becomes durable, not visible, and its
// pending state comes back); once every sink has prepared, the checkpoint file with operator state,
// positions and pending state is written durably, and only then does each sink commit that checkpoint
// id. What came after the marker is written after the commit. Sources never stop for a checkpoint.
import { EngineError } from '../../errors.ts';
import { checkpointPath, encodeCheckpoint, encodeState, listCheckpoints, pruneCheckpoints, readCheckpoint, writeCheckpoint } from '../checkpoint.ts';
import { monotonicMs } from '../clock.ts';
import { faultPoint } from '../faults.ts';
import type { CheckpointInfo, SinkInstance, SourcePositions } from '../types.ts';
import { nodeError } from './core.ts';
import { RunDelivery } from './delivery.ts';

export abstract class RunCheckpoints extends RunDelivery {
  private nextCheckpointId = 1;
  protected restoredFrom: number | null = null;
  private barrierInFlight: Promise<void> | null = null;

  /**
   * Restores from the newest checkpoint file, whatever each sink committed: sinks that are behind commit
   * the pending work the file holds for them (their commit skips ids they already have), so every sink
   * converges on that checkpoint before any source starts. A sink that never committed vetoes nothing.
   */
  protected async restore(): Promise<void> {
    const committed: number[] = [];
    for (const node of this.live.values()) {
      const id = await node.sink?.lastCommittedId();
      if (typeof id === 'number') committed.push(id);
    }
    const dir = this.options.checkpointDir;
    const available = dir ? await listCheckpoints(dir) : [];
    // New ids stay above every id a sink committed, also after the checkpoint files were deleted (Reset).
    this.nextCheckpointId = Math.max(0, available[0] ?? 0, ...committed) + 1;
    const chosen = available[0];
    if (!dir || chosen === undefined) return;
    const file = await readCheckpoint(dir, chosen);
    for (const [id, node] of this.live) {
      try {
        if (node.operator && id in file.operators) node.operator.restore(file.operators[id]);
        const positions = file.sources[id];
        if (node.source && positions) node.source.restore(positions);
      } catch (error) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `node "${id}" could not restore from ${checkpointPath(dir, chosen)}: ${(error as Error).message}`, { node: id, checkpoint: chosen });
      }
    }
    const info: CheckpointInfo = { id: chosen, sources: file.sources, flush: true };
    for (const [id, node] of this.live) {
      if (!node.sink || !(id in file.sinks)) continue;
      try {
        await this.commitSink(node.sink, info, file.sinks[id]);
      } catch (error) {
        throw nodeError(error, id, `sink "${id}" could not commit checkpoint ${chosen} while restoring`);
      }
      this.drainRejected(node);
    }
    this.restoredFrom = chosen;
    this.emitEvent({ type: 'restored', checkpointId: chosen, at: this.clock.now() });
  }

  /** Phase two for one sink, between the fault points the crash tests kill the process at. */
  private async commitSink(sink: SinkInstance, info: CheckpointInfo, pending: unknown): Promise<void> {
    faultPoint('sink.before-commit');
    await sink.commit(info, pending);
    faultPoint('sink.after-commit');
  }

  /** Takes a checkpoint; concurrent calls wait for the one in flight and then take their own. */
  protected async barrier(final = false): Promise<void> {
    while (this.barrierInFlight) await this.barrierInFlight;
    const work = this.takeBarrier(final);
    this.barrierInFlight = work.finally(() => { this.barrierInFlight = null; });
    await this.barrierInFlight;
  }

  private async takeBarrier(final: boolean): Promise<void> {
    const started = monotonicMs();
    const id = this.nextCheckpointId++;
    const dir = this.options.checkpointDir;
    // The synchronous cut: everything pushed so far has been processed, nothing after it has. Operator
    // state is encoded now, so later changes cannot leak into it.
    const sources: Record<string, SourcePositions> = {};
    const operators: Record<string, unknown> = {};
    for (const [nodeId, node] of this.live) {
      if (node.source) sources[nodeId] = node.source.positions();
      if (dir && node.operator) operators[nodeId] = node.operator.snapshot();
    }
    const cut = dir ? { operators: encodeState(operators), sources: encodeState(sources) } : null;
    // Without a folder nothing could restore pending work, so every barrier publishes everything.
    const info: CheckpointInfo = { id, sources, flush: final || !dir };
    let path: string | null = null;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { openGate = resolve; });
    const gated = Promise.race([gate, this.failed]);
    gated.catch(() => undefined);
    const prepared: Promise<[string, unknown]>[] = [];
    const commits: Promise<void>[] = [];
    for (const node of this.live.values()) {
      const queue = node.queue;
      const sink = node.sink;
      if (!queue || !sink) continue;
      const nodeId = node.spec.id;
      let prepareDone: (value: [string, unknown]) => void = () => undefined;
      let prepareFailed: (error: Error) => void = () => undefined;
      let commitDone: () => void = () => undefined;
      let commitFailed: (error: Error) => void = () => undefined;
      prepared.push(new Promise((resolve, reject) => { prepareDone = resolve; prepareFailed = reject; }));
      commits.push(new Promise((resolve, reject) => { commitDone = resolve; commitFailed = reject; }));
      queue.enqueueBarrier(async () => {
        try {
          const pending = await sink.prepare(info);
          prepareDone([nodeId, pending]);
          this.drainRejected(node);
          await gated;
          await this.commitSink(sink, info, pending);
          commitDone();
        } catch (error) {
          const wrapped = error instanceof EngineError ? error : nodeError(error, nodeId, `sink "${nodeId}" could not take part in checkpoint ${id}`);
          prepareFailed(wrapped);
          commitFailed(wrapped);
          throw wrapped;
        }
      });
    }
    for (const p of [...prepared, ...commits]) p.catch(() => undefined);
    const pendings = await Promise.race([Promise.all(prepared), this.failed]);
    if (dir && cut) {
      const text = encodeCheckpoint({ id, pipeline: this.pipeline.name, createdAt: this.clock.now(), ...cut, sinks: encodeState(Object.fromEntries(pendings)) });
      faultPoint('checkpoint.before-write');
      path = await writeCheckpoint(dir, id, text);
      faultPoint('checkpoint.after-write');
    }
    openGate();
    await Promise.race([Promise.all(commits), this.failed]);
    // Group offsets are informational (lag tools): restores read the checkpoint file. Without a folder
    // every sink has just published everything, so the offsets are where the next run may start.
    for (const node of this.live.values()) await node.source?.committed?.(sources[node.spec.id] ?? {});
    // A restore needs only the newest complete checkpoint: its pending state is cumulative.
    if (dir) await pruneCheckpoints(dir, id);
    const durationMs = monotonicMs() - started;
    this.registry.recordCheckpoint(id, this.clock.now(), durationMs);
    this.emitEvent({ type: 'checkpoint', checkpointId: id, path, durationMs, at: this.clock.now() });
  }
}
