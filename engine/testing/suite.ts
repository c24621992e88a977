// `npm test`: every check in one command. Starts what the tests need (a real Kafka broker, Chromium for
// the e2e specs) so a fresh clone needs nothing running beforehand.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureTools, toolsFor } from './tools.ts';

const root = new URL('../../', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const onlyE2e = args.has('--only-e2e');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

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
  if (!onlyE2e && !args.has('--no-typecheck')) await step('typecheck', 'npm', ['run', '-s', 'typecheck']);
  if (!onlyE2e && !args.has('--no-lint')) await step('lint', 'npm', ['run', '-s', 'lint']);

  // Tests that save connections with passwords must not leave them in the developer's own keyring; the
  // Secret Service test runs a private one (engine/testing/keyring.ts), which clears this variable.
  const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_SECRET_STORE: 'file' };
  const cleanups: (() => Promise<void>)[] = [];
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

  // One shared broker for every test file, started only when some test needs Kafka.
  const setups = [join(root, 'engine/testing/kafka.ts'), join(root, 'e2e/setup.ts')].filter((p) => existsSync(p));
  for (const setup of setups) {
    const mod = (await import(setup)) as { prepare?: (env: NodeJS.ProcessEnv, files: string[]) => Promise<(() => Promise<void>) | undefined> };
    const cleanup = await mod.prepare?.(env, all);
    if (cleanup) cleanups.push(cleanup);
  }

  let code = 0;
  try {
    console.log(`\n=== tests (${unit.length} unit/integration files, ${e2e.length} e2e specs)`);
    code = await run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=1200000', ...all], env);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error('cleanup failed:', e));
  }
  process.exit(code);
}

await main();
