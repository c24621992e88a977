import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateEvents } from '../generator/index.ts';
import { parseArgs } from './args.ts';
import { UsageError } from './command.ts';
import { defaultLakeDir, streamlakeHome } from './home.ts';

const bin = new URL('./bin.js', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'streamlake-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], options: { firstLineOnly?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, STREAMLAKE_HOME: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // Like `| head -1`: take what we need and close the pipe while the writer is still going.
      if (options.firstLineOnly && stdout.includes('\n')) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('help lists every command', async () => {
  const { code, stdout } = await cli(['help']);
  assert.equal(code, 0);
  for (const name of ['help', 'validate', 'generate', 'examples']) assert.match(stdout, new RegExp(`^  ${name} `, 'm'));
  const usage = await cli(['generate', '--help']);
  assert.equal(usage.code, 0);
  assert.match(usage.stdout, /^Usage: streamlake generate <dataset>/);
  const unknown = await cli(['validat']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "validat" \(did you mean "validate"\?\)/);
  assert.match((await cli(['gen'])).stderr, /did you mean "generate"/);
  const version = await cli(['--version']);
  assert.match(version.stdout, /^streamlake \d+\.\d+\.\d+\n$/);
});

test('validate: exit 0 for valid pipelines, 1 with every problem and its path otherwise', async () => {
  const ok = await cli(['validate', 'resources/examples/sales-by-region.json', 'resources/examples/fraud-flags.json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /✓ resources\/examples\/sales-by-region\.json: valid pipeline \(7 nodes, 9 edges\)/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({
    format: 'streamlake.pipeline', version: 1, name: 'bad',
    nodes: [
      { id: 'gen', type: 'source.generator', config: { dataset: 'sales_orders', count: 10 } },
      { id: 'f', type: 'transform.filter', config: { where: 'amount >' } },
      { id: 'w', type: 'window.tumbling', config: { size: '1m', aggregates: { n: 'count(*)' } } },
    ],
    edges: [{ from: 'gen', to: 'f' }, { from: 'f', to: 'w' }, { from: 'w', to: 'nowhere' }],
  }));
  const result = await cli(['validate', bad]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /✗ .*bad\.json: 3 problems/);
  assert.match(result.stdout, /^ {2}\/nodes\/1\/config\/where {2}"where" at character 8: /m);
  assert.match(result.stdout, /^ {2}\/nodes\/2\/config\/time {2}missing required setting "time"/m);
  assert.match(result.stdout, /^ {2}\/edges\/2\/to {2}edge refers to unknown node "nowhere"/m);
  const json = await cli(['validate', '--json', bad]);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { ok: boolean; problems: { path: string; code: string }[] }[];
  assert.equal(parsed[0]?.ok, false);
  assert.deepEqual(parsed[0]?.problems.map((p) => p.path), ['/nodes/2/config/time', '/edges/2/to', '/nodes/1/config/where']);
});

test('validate: bad JSON, a missing file and missing arguments', async () => {
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{\n  "format": "streamlake.pipeline",\n  "version": 1\n  "name": "x"\n}\n');
  const parse = await cli(['validate', broken]);
  assert.equal(parse.code, 1);
  assert.match(parse.stdout, /line 4, column 3: /);
  const missing = await cli(['validate', join(dir, 'nope.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /cannot read the file: no such file/);
  const none = await cli(['validate']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /missing the pipeline file to check/);
});

test('generate writes the generator events as JSON Lines or CSV', async () => {
  const jsonl = await cli(['generate', 'sales_orders', '--count', '50', '--seed', '4']);
  assert.equal(jsonl.code, 0, jsonl.stderr);
  const expected = [...generateEvents('sales_orders', { count: 50, seed: 4 })].map((row) => JSON.stringify(row)).join('\n') + '\n';
  assert.equal(jsonl.stdout, expected);
  const csv = await cli(['generate', 'user_events', '--count=3', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'user_id,session_id,event_type,page,event_time,properties');
  assert.equal(lines.length, 4);
  assert.match(lines[1] ?? '', /^user-\d{5},s0-1,\w+,\/[^,]*,2026-01-01T00:00:00\.000Z,"\{""browser"":/);
});

test('generate stops quietly when the reader goes away (| head)', async () => {
  const { code, stdout, stderr } = await cli(['generate', 'sensor_readings', '--count', '0'], { firstLineOnly: true });
  assert.equal(code, 0);
  assert.equal(stderr, '');
  assert.match(stdout, /^\{"device_id":"sensor-001"/);
});

test('generate: usage errors are clear and exit 2', async () => {
  const flag = await cli(['generate', 'sales_orders', '--cout', '5']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --cout \(did you mean "--count"\?\)/);
  const dataset = await cli(['generate', 'weather']);
  assert.equal(dataset.code, 2);
  assert.match(dataset.stderr, /unknown dataset "weather"; one of: sales_orders/);
  const number = await cli(['generate', 'sales_orders', '--count', 'many']);
  assert.equal(number.code, 2);
  assert.match(number.stderr, /--count must be a number, got "many"/);
});

test('examples lists the shipped pipelines', async () => {
  const { code, stdout } = await cli(['examples', '--json']);
  assert.equal(code, 0);
  const list = JSON.parse(stdout) as { name: string; file: string; nodes: number }[];
  assert.equal(list.length, 6);
  assert.ok(list.every((e) => e.file.endsWith(`${e.name}.json`) && e.nodes > 2));
});

test('argument parser', () => {
  const flags = { count: { type: 'number' }, name: { type: 'string' }, dry: { type: 'boolean' } } as const;
  assert.deepEqual(parseArgs(['a', '--count', '3', '--name=x', '--dry', '--', '--b'], flags, { min: 0, max: 5, names: 'x' }), { flags: { count: 3, name: 'x', dry: true }, positionals: ['a', '--b'] });
  assert.throws(() => parseArgs(['--count'], flags, { min: 0, max: 0, names: '' }), (e: unknown) => e instanceof UsageError && /--count needs a value/.test(e.message));
  assert.throws(() => parseArgs(['--count', '1', '--count', '2'], flags, { min: 0, max: 0, names: '' }), /given twice/);
  assert.throws(() => parseArgs(['-c'], flags, { min: 0, max: 0, names: '' }), /unknown option -c/);
  assert.throws(() => parseArgs(['a', 'b'], flags, { min: 1, max: 1, names: 'x' }), /unexpected argument "b"/);
  assert.deepEqual(parseArgs(['-5'], flags, { min: 1, max: 1, names: 'x' }).positionals, ['-5']);
});

test('STREAMLAKE_HOME and the default lake folder', () => {
  assert.equal(streamlakeHome({ STREAMLAKE_HOME: '/data/sl' }), '/data/sl');
  assert.equal(defaultLakeDir({ STREAMLAKE_HOME: '/data/sl' }), '/data/sl/lake');
  assert.equal(streamlakeHome({}), join(homedir(), '.streamlake'));
  assert.equal(defaultLakeDir({ STREAMLAKE_HOME: '  ' }), join(homedir(), '.streamlake', 'lake'));
});
