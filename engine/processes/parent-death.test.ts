import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive as alive } from './alive.ts';
import { diesWithParent, hasParentDeathSignal } from './parent-death.ts';

test('a command started with diesWithParent is killed when the process that started it is SIGKILLed', { timeout: 30_000 }, async () => {
  assert.equal(hasParentDeathSignal(), process.platform === 'linux', 'util-linux setpriv with --pdeathsig on Linux');
  // A parent that starts `sleep` the way servers are started, reports its pid, then waits.
  const script = `
    const { spawn } = require('node:child_process');
    const command = ${JSON.stringify(diesWithParent(['sleep', '120']))};
    const child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
    child.once('spawn', () => console.log(child.pid));
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  assert.ok(Number.isInteger(pid) && alive(pid), `the server runs (${line.toString()})`);
  // setpriv execs the command: the pid is the command's own, not a wrapper's.
  await sleep(200);
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  // The kernel delivers the signal as the parent exits (then init reaps it); a sleep that outlived its
  // parent would keep this loop going until the test's timeout fails it.
  while (alive(pid)) await sleep(50);
  assert.equal(alive(pid), false);
});
