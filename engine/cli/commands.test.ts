import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { commandNames, loadCommand, loadCommands } from './commands.ts';

test('each command name loads the command of that name, and nothing else is a command', async () => {
  assert.deepEqual(commandNames, ['help', 'validate', 'generate', 'run', 'examples', 'export', 'flink', 'lake', 'produce', 'kafka', 'studio', 'start']);
  for (const name of commandNames) assert.equal((await loadCommand(name))?.name, name);
  assert.deepEqual((await loadCommands()).map((c) => c.name), commandNames);
  for (const name of ['nope', 'toString', '__proto__', 'constructor', '']) assert.equal(await loadCommand(name), undefined, name);
});

test('running one command loads only its own file, not every command', () => {
  // A loader hook records each module the CLI loads; `lake tables` must not pull in Kafka or the web host.
  const bin = new URL('./bin.js', import.meta.url).pathname;
  const hook = `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      const out = await next(specifier, context);
      if (/\\/engine\\/cli\\/[a-z-]+\\.ts$/.test(out.url)) process.stderr.write('loaded ' + out.url.replace(/^.*\\/engine\\//, 'engine/') + '\\n');
      return out;
    }`)}`;
  const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
  const result = spawnSync(process.execPath, ['--import', register, bin, 'lake', 'tables', '--lake', '/nonexistent-lake-for-the-test'], { encoding: 'utf8' });
  const loaded = new Set([...result.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]));
  assert.ok(loaded.has('engine/cli/lake.ts'), result.stderr);
  for (const other of ['kafka', 'run', 'studio', 'start', 'flink', 'export', 'produce']) assert.ok(!loaded.has(`engine/cli/${other}.ts`), `${other}.ts was loaded:\n${[...loaded].join('\n')}`);
});
