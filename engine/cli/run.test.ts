// `streamlake run` as a user runs it: a real child process, real generator, real lake.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const bin = new URL('./bin.js', import.meta.url).pathname;
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamlake-cli-run-'));
  temps.push(dir);
  return dir;
}

interface Result { code: number | null; stdout: string; stderr: string }

function cli(args: string[], home: string, onStderr?: (text: string, signal: (s: NodeJS.Signals) => void) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, STREAMLAKE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function pipeline(source: Record<string, unknown>): string {
  return JSON.stringify({
    format: 'streamlake.pipeline', version: 1, name: 'cli-run',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 1, ...source } },
      { id: 'valid', type: 'transform.filter', config: { where: 'amount > 100' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
      { id: 'lake', type: 'sink.lake', config: { table: 'per_min' } },
    ],
    edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'lake' }],
  });
}

test('an invalid pipeline is not run: exit 1 with every problem and its path', async () => {
  const dir = await temp();
  const file = join(dir, 'bad.json');
  await writeFile(file, JSON.stringify({ format: 'streamlake.pipeline', version: 1, name: 'x', nodes: [{ id: 'a', type: 'transform.filter', config: { where: 'amount >' } }], edges: [{ from: 'a', to: 'nowhere' }] }));
  const result = await cli(['run', file, '--lake', join(dir, 'lake')], dir);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nothing was run/);
  assert.match(result.stderr, /\/nodes\/0\/config\/where/);
  assert.match(result.stderr, /\/edges\/0/);
  assert.deepEqual(await readdir(dir), ['bad.json'], 'no lake was created');
});

test('a bounded pipeline runs to the end and prints the summary table', async () => {
  const dir = await temp();
  const file = join(dir, 'p.json');
  await writeFile(file, pipeline({ count: 5000 }));
  const result = await cli(['run', file, '--lake', join(dir, 'lake'), '--checkpoint-dir', join(dir, 'chk')], dir);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^node\s+type\s+in\s+out\s+errors\s+late\s+written$/m);
  assert.match(result.stdout, /^orders\s+source\.generator\s+5,000\s+5,000\s+0\s+0$/m);
  assert.match(result.stdout, /^lake\s+sink\.lake\s+\d[\d,]*\s+0\s+0\s+\d[\d,]* rows, 1 files, 1 snapshots$/m);
  assert.match(result.stdout, /finished: 5,000 events in/);
  assert.deepEqual(await readdir(join(dir, 'lake')), ['per_min']);
  assert.equal((await readdir(join(dir, 'chk'))).length, 1);
  assert.match(result.stderr, /progress: 100% 5,000 events|running cli-run/);
});

test('--max-events ends an unbounded run; Ctrl-C stops with a final checkpoint', async () => {
  const dir = await temp();
  const file = join(dir, 'p.json');
  await writeFile(file, pipeline({}));
  const limited = await cli(['run', file, '--lake', join(dir, 'lake'), '--max-events', '3000'], dir);
  assert.equal(limited.code, 0, limited.stderr);
  assert.match(limited.stdout, /finished: 3,000 events/);

  let sent = false;
  const interrupted = await cli(['run', file, '--lake', join(dir, 'lake2'), '--checkpoint-dir', join(dir, 'chk')], dir, (text, signal) => {
    if (!sent && /running cli-run/.test(text)) {
      sent = true;
      signal('SIGINT');
    }
  });
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /stopping: taking a final checkpoint/);
  assert.match(interrupted.stdout, /stopped: [\d,]+ events/);
  assert.equal((await readdir(join(dir, 'chk'))).length, 1);
});

test('checkpoints are kept by default in $STREAMLAKE_HOME/checkpoints/<pipeline>; a finished bounded input is not read again', async () => {
  const dir = await temp();
  const file = join(dir, 'p.json');
  await writeFile(file, pipeline({ count: 2000 }));
  const first = await cli(['run', file, '--lake', join(dir, 'lake')], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /finished: 2,000 events/);
  assert.match(first.stderr, new RegExp(`checkpoints ${join(dir, 'checkpoints', 'cli-run')}`));
  const files = await readdir(join(dir, 'checkpoints', 'cli-run'));
  assert.equal(files.length, 1, 'only the newest checkpoint is kept');
  assert.match(files[0] ?? '', /^chk-\d+\.json$/);

  const second = await cli(['run', file, '--lake', join(dir, 'lake')], dir);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /finished: 0 events/);
  assert.match(second.stdout, /resumed from checkpoint \d+/);
});
