// The broker a process starts for itself (tests, benchmarks) dies with that process, even when the process
// is killed with SIGKILL and no exit handler runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processAlive as alive } from '../../processes/alive.ts';
import { startBroker } from './broker.ts';
import { freePorts } from './ports.ts';

const brokerModule = new URL('./broker.ts', import.meta.url).href;

test('a broker started by a process dies when that process is SIGKILLed', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamlake-orphan-'));
  const script = `const { startBroker } = await import(${JSON.stringify(brokerModule)});
const broker = await startBroker({ dataDir: ${JSON.stringify(dataDir)}, saslSsl: false });
process.stdout.write('pid ' + broker.pid + '\\n');
setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let brokerPid = 0;
  try {
    brokerPid = await new Promise<number>((resolve, reject) => {
      let text = '';
      parent.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /pid (\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      parent.on('exit', (code) => reject(new Error(`the parent exited (${code}) before its broker started`)));
    });
    assert.ok(alive(brokerPid), 'the broker runs');
    parent.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive(brokerPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(brokerPid), false, 'the broker died with its parent');
  } finally {
    if (brokerPid && alive(brokerPid)) process.kill(brokerPid, 'SIGKILL');
    parent.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a cluster id that starts with "-" formats and starts (one random id in 64 does)', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamlake-dash-id-'));
  const [port, controllerPort] = await freePorts(2);
  // The state file a first start writes, with an id StorageTool once read as an option.
  writeFileSync(join(dataDir, 'broker.json'), JSON.stringify({ clusterId: '-Xk3Vd9QSwqJ0bX6yZp1aQ', host: '127.0.0.1', ports: { port, controllerPort }, user: { username: 'streamlake', password: 'secret' } }));
  const broker = await startBroker({ dataDir, saslSsl: false });
  try {
    assert.ok(alive(broker.pid), 'the broker runs');
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
