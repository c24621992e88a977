// `streamlake start` (= `npm start`): the desktop app when Electron's binary is installed, else the same
// studio in the browser.
import { spawn } from 'node:child_process';
import { bundleElectron, electronBinary, ensureRenderer, repoRoot } from '../host/launch.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { streamlakeHome } from './home.ts';
import { serveStudio, studioFlags, studioOptionsHelp } from './studio.ts';

export const start: Command = {
  name: 'start',
  summary: 'Start the studio: the desktop app if Electron is installed, else in your browser',
  usage: `Usage: streamlake start [--port P] [--no-open] [--lake DIR]

Opens the desktop app (Electron) when its binary is installed: the main process is bundled with esbuild
into out/electron/ and run by node_modules/electron. Without the binary (e.g. where it cannot be
downloaded) it says so and starts \`streamlake studio\` instead, printing the URL to open. Either way the
first screen offers the sales example on the built-in generator, ready to run.

${studioOptionsHelp}  (--port and --no-open apply to the browser mode only)
`,
  async run(argv) {
    const { flags } = parseArgs(argv, studioFlags, { min: 0, max: 0, names: '' });
    const electron = await electronBinary();
    if ('missing' in electron) {
      process.stdout.write(`No Electron binary (${electron.missing}); starting the studio in your browser instead.\n`);
      return serveStudio(argv);
    }
    await ensureRenderer((line) => process.stdout.write(`${line}\n`));
    const bundle = await bundleElectron();
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_APP_ROOT: repoRoot, STREAMLAKE_HOME: streamlakeHome() };
    if (flags.lake) env.STREAMLAKE_LAKE = flags.lake;
    // ELECTRON_RUN_AS_NODE would turn the app into a plain Node process; it must not leak in.
    delete env.ELECTRON_RUN_AS_NODE;
    return new Promise<number>((resolve) => {
      const child = spawn(electron.path, [bundle.main], { cwd: repoRoot, env, stdio: 'inherit' });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.on('error', (error) => {
        process.stderr.write(`Electron could not be started: ${error.message}\n`);
        resolve(1);
      });
    });
  },
};
