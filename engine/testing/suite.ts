// `npm test`: every check in one command. Starts what the tests need (a real Kafka broker, Chromium for
// the e2e specs) so a fresh clone needs nothing running beforehand.
//
// Each file runs in its own process (as `node --test` does), `--concurrency=N` at a time (default 2, or
// STREAMLAKE_TEST_CONCURRENCY) plus `--light-slots=N` (default 1) for files that mostly wait; the e2e
// specs one at a time from the start, the rest longest first by earlier runs' durations; and a file that
// needs the broker or the built renderer waits only for that while the others run (schedule.ts). A Cassandra or OpenSearch
// node that two or more files ask for (servers.ts) is started once, as a job just before the first of them,
// and stopped after the last. The summary names the slowest files and every failed one.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { busyShare, readCpuTimes } from './cpu.ts';
import { committedDurations, knownDurations, lastRunDurations, saveDurations } from './durations.ts';
import { countTests, isLight, longestFirst, parseTimes, runPool, slowest, type Job, type JobResult } from './schedule.ts';
import { sharedServers, usesServer } from './servers.ts';
import { ensureTools, toolsFor } from './tools.ts';

const root = new URL('../../', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const onlyE2e = args.has('--only-e2e');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const concurrency = Number(option('concurrency') ?? process.env.STREAMLAKE_TEST_CONCURRENCY ?? 2);
/** Files that mostly wait (the e2e specs among them) may run this many beyond `concurrency`. */
const lightSlots = Number(option('light-slots') ?? 1);
/** A file never run here before is placed as if it took this long. */
const unknownMs = 30_000;

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function findTests(dir: string, suffix: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, suffix, out);
    else if (name.endsWith(suffix)) out.push(relative(root, path));
  }
  return out.sort();
}

function matches(file: string): boolean {
  return filters.length === 0 || filters.some((f) => file.includes(f));
}

async function step(name: string, cmd: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  console.log(`\n=== ${name}`);
  const code = await run(cmd, argv, env);
  if (code !== 0) {
    console.error(`\n${name} failed (exit ${code})`);
    process.exit(code);
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    console.error(`--concurrency must be a whole number of files at a time, 1 or more; got ${option('concurrency') ?? process.env.STREAMLAKE_TEST_CONCURRENCY}`);
    process.exit(1);
  }
  if (!Number.isInteger(lightSlots) || lightSlots < 0) {
    console.error(`--light-slots must be a whole number of files at a time, 0 or more; got ${option('light-slots')}`);
    process.exit(1);
  }
  if (!onlyE2e && !args.has('--no-typecheck')) await step('typecheck', 'npm', ['run', '-s', 'typecheck']);
  // Lint runs beside the tests (its output comes at the end): it is CPU work, and the test files spend about
  // half their time waiting on servers and child processes. Typecheck stays first: it is quick, and a type
  // error usually means tests that fail for that reason.
  const lint = !onlyE2e && !args.has('--no-lint') ? capture('npm', ['run', '-s', 'lint']) : undefined;

  // Tests that save connections with passwords must not leave them in the developer's own keyring; the
  // Secret Service test runs a private one (engine/testing/keyring.ts), which clears this variable.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_SECRET_STORE: 'file' };
  const unit = onlyE2e ? [] : findTests(join(root, 'engine'), '.test.ts').concat(findTests(join(root, 'renderer'), '.test.ts'), findTests(join(root, 'electron'), '.test.ts')).filter(matches);
  const e2e = args.has('--no-e2e') || !existsSync(join(root, 'e2e')) ? [] : findTests(join(root, 'e2e'), '.spec.ts').filter(matches);
  const all = [...unit, ...e2e];
  if (all.length === 0) {
    console.error('no test files matched');
    process.exit(1);
  }

  // Every program the chosen tests shell out to, before any of them runs: installed when missing and we
  // are root, otherwise one clear line each and no test run (they would fail later, less clearly).
  const missing = await ensureTools(toolsFor(all.map((file) => join(root, file))), { log: (line) => console.log(line) });
  if (missing.length > 0) {
    for (const line of missing) console.error(line);
    process.exit(1);
  }

  // The shared broker and registry (engine/testing/kafka.ts) and the renderer build (e2e/setup.ts) start
  // now, beside the tests; only the files that need them wait for them.
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  const kafka = prepareWith(join(root, 'engine/testing/kafka.ts'), env, all);
  const e2eSetup = prepareWith(join(root, 'e2e/setup.ts'), env, all);
  // A failed setup is reported here once; the files waiting for it end as "not run" with the same reason.
  for (const setup of [kafka, e2eSetup]) setup.catch((e: unknown) => console.error('\nsetup failed:', e));
  // The e2e specs first, longest first, one at a time (group 'e2e': two studios animating their canvases
  // side by side under load once made a click miss), in the light slot beside the unit and integration
  // files, which follow longest first. The specs mostly wait (about a fifth of a core each) and their
  // chain is nearly as long as the rest, so it starts as soon as the renderer is built and never pauses;
  // a file whose recorded CPU is a small share of its wall time is light too (schedule.ts isLight).
  // Simulated with the per-file figures of this session's CI run: 870 s instead of 1,230 s.
  const known = knownDurations();
  const wall = new Map([...known].map(([file, timing]) => [file, timing.ms]));
  const ordered = [...longestFirst(e2e, wall, unknownMs), ...longestFirst(unit, wall, unknownMs)];
  const sharing = shareServers(ordered, env);
  const jobs: Job[] = ordered.flatMap((file) => {
    const gates = [
      waitsForKafka(file) ? kafka : undefined,
      file.endsWith('.spec.ts') ? e2eSetup : undefined,
      ...sharing.filter((s) => s.users.has(file)).map((s) => s.ready),
    ].filter((g) => g !== undefined);
    const spec = file.endsWith('.spec.ts');
    const job: Job = {
      file,
      gate: gates.length > 0 ? Promise.all(gates).then(() => undefined) : undefined,
      light: spec || isLight(known.get(file)),
      group: spec ? 'e2e' : undefined,
    };
    // A shared server's start takes a slot just before the first file that uses it.
    return [...sharing.filter((s) => s.first === file).map((s) => s.job), job];
  });

  console.log(`\n=== tests (${unit.length} unit/integration files, ${e2e.length} e2e specs; ${concurrency} at a time, and ${lightSlots} more that mostly wait)`);
  const began = performance.now();
  const cpuBefore = readCpuTimes();
  const reporter = process.stdout.isTTY ? 'spec' : 'tap';
  let results: JobResult[] = [];
  const stopping: Promise<void>[] = [];
  try {
    results = await runPool(jobs, {
      concurrency,
      lightSlots,
      run: (file) => runFile(file, reporter, { ...env }),
      onDone: (r, done, total) => {
        process.stdout.write(r.output.endsWith('\n') || r.output === '' ? r.output : `${r.output}\n`);
        const cpu = r.cpuMs === undefined ? '' : `, cpu ${(r.cpuMs / 1000).toFixed(1)} s`;
        console.log(`# [${done}/${total}] ${r.code === 0 ? 'ok' : 'FAILED'} ${r.file} (${(r.ms / 1000).toFixed(1)} s${cpu})\n`);
        // A shared server stops once its last file is done: its RAM (1–1.5 GB) and idle CPU go back to the rest.
        for (const s of sharing) if (s.users.delete(r.file) && s.users.size === 0) stopping.push(s.stop());
      },
    });
  } finally {
    for (const s of sharing) stopping.push(s.stop());
    await Promise.all(stopping);
    for (const setup of [e2eSetup, kafka]) {
      const cleanup = await setup.catch(() => undefined);
      await cleanup?.().catch((e: unknown) => console.error('cleanup failed:', e));
    }
  }

  const busy = busyShare(cpuBefore, readCpuTimes());
  const files = new Set(all);
  const setupResults = results.filter((r) => !files.has(r.file));
  results = results.filter((r) => files.has(r.file));
  const measured = new Map(results.filter((r) => r.code === 0).map((r) => [r.file, r.cpuMs === undefined ? { ms: r.ms } : { ms: r.ms, cpuMs: r.cpuMs }]));
  saveDurations(lastRunDurations(), measured);
  if (args.has('--save-durations')) saveDurations(committedDurations, measured, (file) => existsSync(join(root, file)));

  const counts = countTests(results.map((r) => r.output));
  const failed = [...results, ...setupResults].filter((r) => r.code !== 0).map((r) => r.file);
  if (lint) {
    const { code: lintCode, output } = await lint;
    console.log(`\n=== lint${lintCode === 0 ? '' : ` failed (exit ${lintCode})`}`);
    process.stdout.write(output);
    if (lintCode !== 0) failed.push('lint (npm run lint)');
  }
  console.log(`\n=== slowest files`);
  for (const line of slowest(results, 15)) console.log(line);
  for (const line of slowest(setupResults, setupResults.length)) console.log(line);
  console.log(`\n# files ${results.length}, failed ${results.filter((r) => r.code !== 0).length}`);
  for (const [name, n] of Object.entries(counts)) console.log(`# ${name} ${n}`);
  console.log(`# duration_ms ${(performance.now() - began).toFixed(0)}`);
  const cpuMs = results.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0);
  if (cpuMs > 0) console.log(`# cpu_ms ${cpuMs} (the test files' processes and what they waited for)`);
  if (busy !== undefined) console.log(`# cpu_busy ${Math.round(busy * 100)}% of ${availableParallelism()} cores while the tests ran (the whole machine; anything else running counts too)`);
  for (const what of failed) console.error(`failed: ${what}`);
  process.exit(failed.length > 0 ? 1 : 0);
}

type Cleanup = () => Promise<void>;

interface Sharing {
  /** The files that use it and have not ended yet. */
  users: Set<string>;
  /** The first of them in run order: the start job goes just before it. */
  first: string;
  job: Job;
  /** Resolves once the server is up and exported into the files' environment. */
  ready: Promise<void>;
  /** Stops the server if it was started; safe to call more than once. */
  stop(): Promise<void>;
}

/** A start job and a gate for each shared server (servers.ts) that two or more of these files use. */
function shareServers(ordered: readonly string[], env: NodeJS.ProcessEnv): Sharing[] {
  return sharedServers.flatMap((server): Sharing[] => {
    const users = ordered.filter((file) => usesServer(server, join(root, file)));
    if (users.length < 2 || env[server.env]) return [];
    let stopServer: Cleanup | undefined;
    let open!: () => void;
    let fail!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => { open = resolve; fail = reject; });
    ready.catch(() => undefined); // the start job reports the failure; its files end as "not run"
    const job: Job = {
      file: `(start a shared ${server.name} for ${users.length} files)`,
      run: async () => {
        const lines: string[] = [];
        try {
          const started = await server.start((line) => lines.push(line));
          stopServer = started.stop;
          env[server.env] = started.value;
          open();
          return { code: 0, output: lines.map((l) => `${l}\n`).join('') };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          fail(new Error(`the shared ${server.name} did not start: ${message}`));
          return { code: 1, output: `${lines.map((l) => `${l}\n`).join('')}the shared ${server.name} did not start: ${message}\n` };
        }
      },
    };
    return [{
      users: new Set(users),
      first: users[0]!,
      job,
      ready,
      stop: async () => {
        const stop = stopServer;
        stopServer = undefined;
        await stop?.().catch((e: unknown) => console.error(`stopping the shared ${server.name} failed:`, e));
      },
    }];
  });
}

/** Starts a setup module's `prepare` (if the file exists); resolves with its cleanup. */
async function prepareWith(path: string, env: NodeJS.ProcessEnv, files: string[]): Promise<Cleanup | undefined> {
  if (!existsSync(path)) return undefined;
  const mod = (await import(path)) as { prepare?: (env: NodeJS.ProcessEnv, files: string[]) => Promise<Cleanup | undefined> };
  return mod.prepare?.(env, files);
}

/**
 * Does this file wait for the shared broker and registry? Wider than what makes the suite start them
 * (testing/kafka.ts): a file that only reads STREAMLAKE_TEST_* or mentions Kafka waits too, since
 * waiting costs it a later start while missing them would make it start a broker of its own.
 */
function waitsForKafka(file: string): boolean {
  if (/kafka/i.test(file)) return true;
  try {
    return /kafka|STREAMLAKE_TEST_|useTestRegistry/i.test(readFileSync(join(root, file), 'utf8'));
  } catch {
    return true;
  }
}

/** One test file in its own `node --test` process. */
function runFile(file: string, reporter: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string; cpuMs?: number }> {
  const node = [process.execPath, '--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-timeout=1200000', file];
  // Through sh for its `times` (CPU of the file's process tree) on fd 3: Node gives no child's rusage.
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', '"$@"; status=$?; times >&3; exit $status', 'sh', ...node], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let times = '';
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    child.stderr!.on('data', (c: Buffer) => chunks.push(c));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => { times += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString('utf8'), cpuMs: parseTimes(times) }));
  });
}

/** Runs a command to its end with stdout and stderr kept together, in order, to print as one block. */
function capture(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString('utf8') }));
  });
}

await main();
