// Lazy batches in the runtime: counted and previewed without decoding, decoded for anything that reads
// rows, and handed over only when every consumer of a source copies bytes (projection.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import '../operators/index.ts';
import { ManualTime } from './clock.ts';
import { buildGraph } from './graph.ts';
import { LazyBatch, rowCount } from './lazy.ts';
import { sourceBytesReaders } from './projection.ts';
import { RowRing } from './ring.ts';
import { createRun } from './run.ts';
import type { Batch, Row, SinkInstance, SourceInstance } from './types.ts';

/** A lazy batch of rows {n: from..from+count-1}, counting its decodes. */
function lazyBatch(from: number, count: number, decodes: { n: number }): LazyBatch {
  const bytes = Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ n: from + i })));
  return new LazyBatch('p0', count, bytes, bytes.map(() => 0), bytes.map((b) => b.length), () => {
    decodes.n++;
    return bytes.map((b) => JSON.parse(b.toString()) as Row);
  });
}

test('rowCount and the preview ring leave a lazy batch undecoded until a preview is read', () => {
  const decodes = { n: 0 };
  const ring = new RowRing(200);
  const first = lazyBatch(0, 1024, decodes);
  const second = lazyBatch(1024, 100, decodes);
  ring.add(first);
  ring.add([{ n: 'eager' }]);
  ring.add(second);
  assert.equal(rowCount(first), 1024);
  assert.equal(ring.length, 200);
  assert.equal(decodes.n, 0);
  const latest = ring.latest();
  assert.deepEqual(latest, [...Array.from({ length: 99 }, (_, i) => ({ n: 925 + i })), { n: 'eager' }, ...Array.from({ length: 100 }, (_, i) => ({ n: 1024 + i }))]);
  assert.equal(decodes.n, 2);
  ring.latest();
  assert.equal(decodes.n, 2, 'decoded once');
  // The older lazy batch falls out of the ring once newer rows fill it.
  ring.add(lazyBatch(2000, 300, decodes));
  assert.deepEqual(ring.latest(3), [{ n: 2297 }, { n: 2298 }, { n: 2299 }]);
});

test('sourceBytesReaders: only when every consumer is a JSON Kafka sink without key or headers', () => {
  const src: NodeSpec = { id: 'src', type: 'source.file', config: { path: 'x', format: 'jsonl' } };
  const kafka = (id: string, extra: Record<string, unknown> = {}): NodeSpec => ({ id, type: 'sink.kafka', config: { connection: 'local', topic: 't', format: 'json', ...extra } } as NodeSpec);
  const filter: NodeSpec = { id: 'f', type: 'transform.filter', config: { where: 'n > 1' } };
  const map: NodeSpec = { id: 'm', type: 'transform.map', config: { select: { n: 'n' } } };
  const preview: NodeSpec = { id: 'p', type: 'sink.preview', config: {} };
  const graph = (nodes: NodeSpec[], edges: PipelineDoc['edges']) => buildGraph({ format: 'streamlake.pipeline', version: 1, name: 't', nodes: [src, ...nodes], edges });
  assert.equal(sourceBytesReaders(graph([kafka('k')], [{ from: 'src', to: 'k' }]), 'src'), 'only');
  assert.equal(sourceBytesReaders(graph([kafka('k'), kafka('k2')], [{ from: 'src', to: 'k' }, { from: 'src', to: 'k2' }]), 'src'), 'only');
  assert.equal(sourceBytesReaders(graph([kafka('k'), preview], [{ from: 'src', to: 'k' }, { from: 'src', to: 'p' }]), 'src'), 'some');
  assert.equal(sourceBytesReaders(graph([kafka('k', { key: 'n' })], [{ from: 'src', to: 'k' }]), 'src'), 'some');
  assert.equal(sourceBytesReaders(graph([kafka('k', { headers: { h: 'n' } })], [{ from: 'src', to: 'k' }]), 'src'), 'some');
  assert.equal(sourceBytesReaders(graph([filter, kafka('k')], [{ from: 'src', to: 'f' }, { from: 'f', to: 'k' }]), 'src'), 'some', 'a filter passes its input batch on when every row passes');
  assert.equal(sourceBytesReaders(graph([map, kafka('k')], [{ from: 'src', to: 'm' }, { from: 'm', to: 'k' }]), 'src'), undefined, 'a map builds new rows');
  assert.equal(sourceBytesReaders(graph([kafka('k', { format: 'avro' })], [{ from: 'src', to: 'k' }]), 'src'), undefined);
  assert.equal(sourceBytesReaders(graph([preview], [{ from: 'src', to: 'p' }]), 'src'), undefined);
});

test('a run counts and previews lazy batches without decoding them; an operator reads their rows', async () => {
  const decodes = { n: 0 };
  const written: { lazy: boolean; count: number; rows?: Row[] }[] = [];
  const source: SourceInstance = {
    async run(push) {
      await push(lazyBatch(0, 500, decodes));
      await push(lazyBatch(500, 500, decodes));
    },
    positions: () => ({}),
    restore: () => undefined,
    close: async () => undefined,
  };
  const sink = (reads: boolean): SinkInstance => ({
    async write(batch: Batch) {
      written.push({ lazy: batch instanceof LazyBatch, count: rowCount(batch), ...(reads ? { rows: batch.rows } : {}) });
    },
    prepare: async () => null,
    commit: async () => undefined,
    lastCommittedId: async () => null,
    close: async () => ({ rows: 0 }),
  });
  const time = new ManualTime(0);
  const nodes: NodeSpec[] = [
    { id: 'src', type: 'source.file', config: { path: 'x', format: 'jsonl' } },
    { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic: 't', format: 'json' } },
  ];
  const run = createRun({ format: 'streamlake.pipeline', version: 1, name: 't', nodes, edges: [{ from: 'src', to: 'out' }] }, {
    lakeDir: '/nonexistent', homeDir: '/nonexistent', clock: time, timers: time,
    nodes: { 'source.file': { kind: 'source', create: () => source }, 'sink.kafka': { kind: 'sink', create: () => sink(false) } },
  });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.equal(summary.eventsIn, 1000);
  assert.deepEqual(written, [{ lazy: true, count: 500 }, { lazy: true, count: 500 }]);
  assert.equal(decodes.n, 0, 'nothing decoded');
  assert.deepEqual(run.preview('src', 'out', 2), [{ n: 998 }, { n: 999 }]);
  assert.equal(decodes.n, 1, 'the preview decoded the batch it shows');

  // Through a filter: the filter reads the rows, the sink gets them as an eager batch would have had them.
  written.length = 0;
  const filtered = createRun({
    format: 'streamlake.pipeline', version: 1, name: 't',
    nodes: [nodes[0]!, { id: 'f', type: 'transform.filter', config: { where: 'n % 2 = 0' } }, nodes[1]!],
    edges: [{ from: 'src', to: 'f' }, { from: 'f', to: 'out' }],
  }, { lakeDir: '/nonexistent', homeDir: '/nonexistent', clock: time, timers: time, nodes: { 'source.file': { kind: 'source', create: () => source }, 'sink.kafka': { kind: 'sink', create: () => sink(true) } } });
  assert.equal((await filtered.start()).status, 'finished');
  assert.deepEqual(written.flatMap((w) => w.rows), Array.from({ length: 500 }, (_, i) => ({ n: 2 * i })));
});
