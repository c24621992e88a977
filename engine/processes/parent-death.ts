// A server a process starts for itself (a test file, a benchmark) must not outlive it, even when that
// process is killed with SIGKILL or a SIGTERM that runs no exit handler: util-linux's setpriv asks the
// kernel to send the server SIGKILL when its parent dies, then execs it (the same pid, so stopping it by
// pid still works). Servers meant to outlive their starter (kafka:up) are started without it. Where
// setpriv has no --pdeathsig (not Linux), the command runs as given and only exit handlers stop it.
import { spawnSync } from 'node:child_process';

let available: boolean | undefined;

export function hasParentDeathSignal(): boolean {
  available ??= process.platform === 'linux' && spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') === true;
  return available;
}

/** The command, run so that it is killed when this process dies (see above). */
export function diesWithParent(command: readonly string[]): string[] {
  return hasParentDeathSignal() ? ['setpriv', '--pdeathsig', 'KILL', '--', ...command] : [...command];
}
