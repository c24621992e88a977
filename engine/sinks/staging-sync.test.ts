// The staging file's writes and syncs while append() fills it: records coalesced into writev calls read
// back byte for byte, fdatasync in the background every `syncEvery` bytes, and seal's fsync after the
// last write (what makes a checkpoint's staged rows durable).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Row } from '../runtime/types.ts';
import { Staging, writeAll, type StagingCodec, type StagingSync } from './staging.ts';

const home = mkdtempSync(path.join(tmpdir(), 'streamlake-staging-sync-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Rows as their ids, 4 bytes each (only the byte layout matters here). */
const idCodec: StagingCodec = {
  name: 'test-ids',
  decode(_meta, bytes, rows) {
    if (bytes.length !== rows * 4) throw new Error('row count');
    const out: Row[] = [];
    for (let i = 0; i < rows; i++) out.push({ id: bytes.readUInt32LE(i * 4) });
    return out;
  },
};

/** A deterministic PRNG (mulberry32): the same sizes every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records each call with the file's size at that moment (what a sync could flush). */
function recordingSync(calls: { kind: string; size: number }[], datasync?: (handle: FileHandle) => Promise<void>): StagingSync {
  return {
    async datasync(handle) {
      calls.push({ kind: 'datasync', size: (await handle.stat()).size });
      await (datasync ? datasync(handle) : handle.datasync());
    },
    async sync(handle) {
      calls.push({ kind: 'sync', size: (await handle.stat()).size });
      await handle.sync();
    },
  };
}

test('many small and large appends across the background-sync threshold read back identical; seal fsyncs after the last write', async () => {
  const calls: { kind: string; size: number }[] = [];
  const staging = new Staging(home, 'many', 'node', idCodec, { syncEvery: 256 << 10, sync: recordingSync(calls) });
  const next = random(7);
  const batches: { rows: Row[]; bytes: Buffer }[] = [];
  let id = 0;
  let expectedSize = 'SLSTAGE2'.length;
  for (let i = 0; i < 400; i++) {
    // mostly small batches, some of up to ~1.2 MB (over the threshold alone)
    const n = next() < 0.05 ? 1 + Math.floor(next() * 300_000) : 1 + Math.floor(next() * 50);
    const bytes = Buffer.alloc(n * 4);
    const rows: Row[] = [];
    for (let r = 0; r < n; r++) {
      bytes.writeUInt32LE(id, r * 4);
      rows.push({ id: id++ });
    }
    batches.push({ rows, bytes });
    const header = JSON.stringify({ codec: 'test-ids', rows: n, meta: { batch: i } });
    expectedSize += 4 + 1 + 4 + Buffer.byteLength(header) + bytes.length;
  }
  // the first creates the file; then in bursts without waiting in between (as appends come while writes
  // are under way), then one by one
  const first = batches[0] as { rows: Row[]; bytes: Buffer };
  await staging.append({ rows: first.rows }, { meta: { batch: 0 }, bytes: first.bytes, rows: first.rows.length });
  for (let i = 1; i < 200; i += 20) {
    await Promise.all(batches.slice(i, Math.min(i + 20, 200)).map((b, j) => staging.append({ rows: b.rows }, { meta: { batch: i + j }, bytes: b.bytes, rows: b.rows.length })));
  }
  for (let i = 200; i < batches.length; i++) {
    const b = batches[i] as { rows: Row[]; bytes: Buffer };
    await staging.append({ rows: b.rows }, { meta: { batch: i }, bytes: b.bytes, rows: b.rows.length });
  }
  const ref = await staging.seal(3);
  assert.ok(ref);
  assert.equal(ref.rows, id);
  assert.equal(readFileSync(ref.file).length, expectedSize, 'the file holds exactly the records, nothing twice or lost');

  // the bytes of every record back as appended, in order, by a fresh instance (a restore)
  const fresh = new Staging(home, 'many', 'node', idCodec);
  const records = await fresh.readEncoded(ref, 'node');
  assert.equal(records?.length, batches.length);
  records?.forEach((r, i) => {
    assert.deepEqual(r.meta, { batch: i });
    assert.ok(r.bytes.equals((batches[i] as { bytes: Buffer }).bytes), `record ${i} differs`);
  });
  const [segment] = await fresh.read([ref], 'node');
  assert.equal(segment?.rows.length, id);
  assert.ok(segment?.rows.every((row, i) => row.id === i));

  const datasyncs = calls.filter((c) => c.kind === 'datasync');
  // how many depends on how the writes coalesced and how long each fdatasync took (one at a time)
  assert.ok(datasyncs.length >= 1, 'fdatasync ran in the background while appending');
  assert.ok(datasyncs.every((c) => c.size <= expectedSize));
  assert.deepEqual(calls.at(-1), { kind: 'sync', size: expectedSize }, 'the last call is the fsync, once everything is written');
  assert.equal(calls.filter((c) => c.kind === 'sync').length, 1);
});

test('seal waits for a background fdatasync still running before its fsync and close', async () => {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let released = false;
  const calls: { kind: string; size: number }[] = [];
  const staging = new Staging(home, 'slow', 'node', idCodec, {
    syncEvery: 1024,
    sync: recordingSync(calls, async (handle) => {
      await gate;
      released = true;
      await handle.datasync();
    }),
  });
  const bytes = Buffer.alloc(4096);
  await staging.append({ rows: Array.from({ length: 1024 }, (_, id) => ({ id })) }, { meta: null, bytes, rows: 1024 });
  let sealed = false;
  const sealing = staging.seal(1).then((ref) => { sealed = true; return ref; });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(sealed, false, 'not sealed while the fdatasync runs');
  assert.deepEqual(calls.map((c) => c.kind), ['datasync']);
  release();
  const ref = await sealing;
  assert.ok(ref && released);
  assert.deepEqual(calls.map((c) => c.kind), ['datasync', 'sync']);
  assert.equal(readFileSync(ref.file).length, calls[1]?.size);
});

test('a failed background fdatasync fails the file: seal throws, nothing is named for the checkpoint, the sweep removes it', async () => {
  const staging = new Staging(home, 'failing', 'node', idCodec, {
    syncEvery: 1024,
    sync: recordingSync([], () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))),
  });
  const rows = Array.from({ length: 512 }, (_, id) => ({ id }));
  await staging.append({ rows }, { meta: null, bytes: Buffer.alloc(2048), rows: 512 }).catch(() => undefined);
  await assert.rejects(staging.seal(1), { code: 'EIO' });
  const names = readdirSync(staging.dir);
  assert.equal(names.length, 1);
  assert.match(names[0] ?? '', /^open-/, 'nothing renamed for a checkpoint');
  // the next run's first prepare sweeps it (its rows are replayed from the source)
  await new Staging(home, 'failing', 'node', idCodec).sweep([]);
  assert.deepEqual(readdirSync(staging.dir), []);
});

test('writeAll goes on from where a short write stopped', async () => {
  const file = path.join(home, 'short');
  const next = random(11);
  const pieces = Array.from({ length: 300 }, (_, i) => Buffer.alloc(Math.floor(next() * 40), i % 251));
  const handle = await open(file, 'w');
  let calls = 0;
  try {
    // a file that takes at most 7 bytes a call
    const short: Pick<FileHandle, 'writev'> = {
      writev: async (buffers: readonly NodeJS.ArrayBufferView[]) => {
        calls++;
        const { bytesWritten } = await handle.writev([Buffer.concat(buffers as Buffer[]).subarray(0, 7)]);
        return { bytesWritten, buffers };
      },
    } as Pick<FileHandle, 'writev'>;
    assert.equal(await writeAll(short, pieces), pieces.reduce((n, b) => n + b.length, 0));
  } finally {
    await handle.close();
  }
  assert.ok(readFileSync(file).equals(Buffer.concat(pieces)));
  assert.ok(calls > 100);
});
