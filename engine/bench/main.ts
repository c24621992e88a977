// `npm run bench [-- --only NAME[,NAME]] [--json FILE]`: runs the registered workloads one after the
// other, each in its own process, and prints events/s, latency percentiles and peak RSS per workload;
// --json writes the figures.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allWorkloads, trackRss, type BenchResult } from './workload.ts';

interface Options {
  only: string[] | null;
  json: string | null;
  list: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { only: null, json: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--only') options.only = value().split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) options.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '--json') options.json = value();
    else if (arg.startsWith('--json=')) options.json = arg.slice(7);
    else if (arg === '--list') options.list = true;
    else throw new Error(`unknown argument ${arg}; usage: npm run bench [-- --only NAME[,NAME]] [--json FILE] [--list]`);
  }
  return options;
}

async function loadWorkloads(): Promise<void> {
  const dir = new URL('./workloads/', import.meta.url);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).sort();
  for (const name of names) await import(new URL(name, dir).href);
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function print(name: string, r: BenchResult): void {
  const lines = [`\n== ${name}`];
  const target = r.targets?.eventsPerSecond ? `   (target ≥ ${fmt(r.targets.eventsPerSecond)})` : '';
  if (r.eventsPerSecond !== undefined) lines.push(`  events/s      ${fmt(r.eventsPerSecond)}${target}`);
  if (r.events !== undefined) lines.push(`  events        ${fmt(r.events)} in ${fmt(r.seconds, 2)} s`);
  else lines.push(`  time          ${fmt(r.seconds, 2)} s`);
  if (r.latencyMs) lines.push(`  latency ms    p50 ${fmt(r.latencyMs.p50, 2)}  p95 ${fmt(r.latencyMs.p95, 2)}  p99 ${fmt(r.latencyMs.p99, 2)}`);
  const rssTarget = r.targets?.peakRssMb ? `   (target < ${fmt(r.targets.peakRssMb)})` : '';
  lines.push(`  peak RSS MiB  ${fmt(r.peakRssMb)}${rssTarget}`);
  for (const ref of r.references ?? []) {
    lines.push(`  reference     ${ref.name}: ${ref.eventsPerSecond !== undefined ? `${fmt(ref.eventsPerSecond)} events/s` : ''}${ref.seconds !== undefined ? ` ${fmt(ref.seconds, 2)} s` : ''}${ref.note ? ` (${ref.note})` : ''}`);
  }
  for (const note of r.notes ?? []) lines.push(`  note          ${note}`);
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  await loadWorkloads();
  const all = allWorkloads();
  if (options.list) {
    for (const w of all) console.log(`${w.name.padEnd(24)} ${w.description}`);
    return 0;
  }
  const unknown = (options.only ?? []).filter((n) => !all.some((w) => w.name === n));
  if (unknown.length > 0) {
    console.error(`unknown workload ${unknown.join(', ')}; known: ${all.map((w) => w.name).join(', ')}`);
    return 1;
  }
  const chosen = options.only ? all.filter((w) => options.only?.includes(w.name)) : all;
  if (chosen.length > 1) return isolated(chosen.map((w) => w.name), options.json);
  const cacheDir = join(tmpdir(), 'streamlake-bench-cache');
  await mkdir(cacheDir, { recursive: true });
  const results: Record<string, BenchResult | { error: string }> = {};
  let failed = false;
  for (const workload of chosen) {
    const workDir = await mkdtemp(join(tmpdir(), `streamlake-bench-${workload.name}-`));
    try {
      const result = await workload.run({ cacheDir, workDir, log: (m) => console.error(`  [${workload.name}] ${m}`), trackRss });
      results[workload.name] = result;
      print(workload.name, result);
    } catch (error) {
      failed = true;
      results[workload.name] = { error: error instanceof Error ? error.message : String(error) };
      console.error(`\n== ${workload.name}\n  FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  if (options.json) {
    await writeFile(options.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
    if (!process.env.STREAMLAKE_BENCH_CHILD) console.error(`\nfigures written to ${options.json}`);
  }
  return failed ? 1 : 0;
}

/**
 * Several workloads run one child process each: a workload leaves a heap, open handles and a warmed JIT
 * behind (kafka-latency's large heap made the next workload's figures look worse), so each gets a fresh
 * process and the figures do not depend on the order.
 */
async function isolated(names: readonly string[], json: string | null): Promise<number> {
  const results: Record<string, unknown> = {};
  let failed = false;
  const dir = await mkdtemp(join(tmpdir(), 'streamlake-bench-results-'));
  try {
    for (const name of names) {
      const file = join(dir, `${name}.json`);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--only', name, '--json', file], { stdio: 'inherit', env: { ...process.env, STREAMLAKE_BENCH_CHILD: '1' } });
        child.on('error', reject);
        child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
      });
      if (code !== 0) failed = true;
      try {
        const written = JSON.parse(await readFile(file, 'utf8')) as { results?: Record<string, unknown> };
        results[name] = written.results?.[name] ?? { error: `exited with ${code}` };
      } catch {
        results[name] = { error: `exited with ${code} before writing its figures` };
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (json) {
    await writeFile(json, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
    console.error(`\nfigures written to ${json}`);
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
