// Decode workers started from the bundle (bundle.ts) instead of the TypeScript sources: built once per
// process, named by its content, and decoding JSON Lines and (through its lazily loaded chunk) Kafka JSON
// values exactly as the same decoder on this thread. Also the standalone worker written beside Electron's
// bundle, found by the pool there and in an asar's unpacked copy.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDecoder } from '../kafka/formats.ts';
import type { Row } from '../runtime/types.ts';
import { JsonLinesDecoder } from '../sources/file/json-record.ts';
import { buildWorkerBundle, bundledWorker, PREBUILT_WORKER, writeStandaloneWorker } from './bundle.ts';
import { DecodePool, prebuiltWorker, type Decoded } from './pool.ts';
import type { WorkerSetup } from './protocol.ts';

const records = [
  '{"id":1,"region":"eu","amount":12.5,"ts":"2026-03-01T10:11:12.345Z"}',
  '{"id":2,"region":"us","amount":-3,"ts":"2026-03-01T10:11:13Z","extra":[1,2]}',
  '{"id":3,"region":null}',
  '{"id":4,"region":"ap\\u00e9","amount":1e3,"ts":"not a time"}',
  'not json',
  '{"id":5,"region":"é","amount":0}',
];
const fields = ['amount', 'region', 'ts'];

async function decodeWith(setup: WorkerSetup, from?: URL): Promise<{ pool: DecodePool; decoded: Decoded }> {
  const pool = new DecodePool(1, setup, from);
  const bytes = Buffer.from(records.join('\n'));
  const space = pool.reserve(bytes.length, records.length);
  space.bytes.set(bytes);
  let at = 0;
  records.forEach((text, i) => {
    space.starts[i] = at;
    space.ends[i] = at + Buffer.byteLength(text);
    at = (space.ends[i] as number) + 1;
  });
  const decoded = await pool.decode(space, records.length);
  return { pool, decoded };
}

test('the worker bundle is built once per process, named by its content, and workers start from it', async () => {
  const url = await buildWorkerBundle();
  assert.ok(url, 'running from the sources with node_modules: a bundle is built');
  const path = fileURLToPath(url);
  assert.ok(existsSync(path));
  assert.match(basename(dirname(path)), /^decode-worker-[0-9a-f]{16}$/);
  assert.equal((await buildWorkerBundle())?.href, url.href, 'built once');
  assert.equal(bundledWorker()?.href, url.href);

  const { pool, decoded } = await decodeWith({ format: 'jsonl', fields });
  try {
    assert.deepEqual(pool.entries.map((entry) => entry.href), [url.href]);
    const inline = new JsonLinesDecoder(fields);
    const want: Row[] = [];
    const rejected: number[] = [];
    records.forEach((text, i) => {
      const bytes = Buffer.from(text);
      const row = inline.decode(bytes, 0, bytes.length);
      if (row && !('problem' in row && 'text' in row)) want.push(row as Row);
      else rejected.push(i);
    });
    assert.deepEqual(decoded.rows(), want);
    assert.deepEqual(decoded.rejected.map((r) => r.index), rejected);
  } finally {
    await pool.close();
  }
});

test('a Kafka JSON worker from the bundle loads the value decoders (a chunk of their own) and decodes as inline', async () => {
  const url = await buildWorkerBundle();
  assert.ok(url);
  const { pool, decoded } = await decodeWith({ format: 'kafka-json', fields, maxBytes: 1 << 20 });
  try {
    assert.deepEqual(pool.entries.map((entry) => entry.href), [url.href]);
    const inline = createDecoder('json', { fields, maxBytes: 1 << 20 });
    const want = records.map((text) => inline.decode(Buffer.from(text))).filter((value) => !('reason' in (value as object)));
    assert.equal(want.length, 5, 'five of the six values are JSON objects');
    assert.equal(decoded.rows().length, want.length);
    assert.deepEqual(decoded.rows(), want);
    assert.equal(decoded.rejected.length, records.length - want.length);
  } finally {
    await pool.close();
  }
});

test('the standalone worker of an application bundle runs with no node_modules in reach and decodes as inline; the pool finds it beside the bundle, unpacked from an asar', async () => {
  // Outside the checkout: no node_modules up the tree, as in app.asar.unpacked.
  const root = mkdtempSync(join(tmpdir(), 'streamlake-standalone-'));
  try {
    const outDir = join(root, 'app', 'out', 'electron');
    const file = join(outDir, PREBUILT_WORKER);
    await writeStandaloneWorker(file);
    const beside = (dir: string): string => pathToFileURL(join(dir, 'main.mjs')).href;
    assert.equal(prebuiltWorker(beside(outDir))?.href, pathToFileURL(file).href);
    assert.equal(prebuiltWorker(beside(join(root, 'elsewhere'))), undefined, 'no worker beside it');
    // Packaged: main.mjs inside app.asar, the worker in app.asar.unpacked (electron-builder asarUnpack).
    const packed = join(root, 'resources', 'app.asar', 'out', 'electron');
    const unpacked = join(root, 'resources', 'app.asar.unpacked', 'out', 'electron');
    mkdirSync(packed, { recursive: true });
    mkdirSync(unpacked, { recursive: true });
    copyFileSync(file, join(unpacked, PREBUILT_WORKER));
    assert.equal(prebuiltWorker(beside(packed))?.href, pathToFileURL(join(unpacked, PREBUILT_WORKER)).href);

    const url = pathToFileURL(file);
    const lines = await decodeWith({ format: 'jsonl', fields }, url);
    try {
      assert.deepEqual(lines.pool.entries.map((entry) => entry.href), [url.href]);
      const inline = new JsonLinesDecoder(fields);
      const want = records.map((text) => inline.decode(Buffer.from(text), 0, Buffer.byteLength(text))).filter((row) => row && !('problem' in row && 'text' in row));
      assert.equal(want.length, 5);
      assert.deepEqual(lines.decoded.rows(), want);
    } finally {
      await lines.pool.close();
    }
    // Kafka JSON values: the decoders and their schema libraries (CommonJS, bundled in) load in the worker.
    const values = await decodeWith({ format: 'kafka-json', fields, maxBytes: 1 << 20 }, url);
    try {
      const inline = createDecoder('json', { fields, maxBytes: 1 << 20 });
      const want = records.map((text) => inline.decode(Buffer.from(text))).filter((value) => !('reason' in (value as object)));
      assert.deepEqual(values.decoded.rows(), want);
      assert.equal(values.decoded.rejected.length, records.length - want.length);
    } finally {
      await values.pool.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
