// `streamlake produce` and `streamlake kafka` as a user runs them, against the real broker; kcat reads back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { kcat } from '../testing/kcat.ts';

const bin = new URL('./bin.js', import.meta.url).pathname;
let broker: TestBroker;
let home: string;

before(async () => {
  broker = await useTestBroker();
  home = mkdtempSync(join(tmpdir(), 'streamlake-cli-home-'));
});
after(async () => { await broker.release(); });

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, STREAMLAKE_HOME: home, KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
}

test('produce publishes generated events that kcat reads back', () => {
  const topic = uniqueTopic('produce');
  const r = cli('produce', 'sales_orders', '--topic', topic, '--count', '500', '--brokers', broker.bootstrap, '--key', 'order_id', '--partitions', '2', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const lines = kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-e', '-q', '-f', '%k\t%s\n']).trim().split('\n');
  assert.equal(lines.length, 500);
  const [key, value] = lines[0]!.split('\t');
  assert.equal((JSON.parse(value!) as { order_id: string }).order_id, key);
  const topics = cli('kafka', 'topics', '--brokers', broker.bootstrap, '--json');
  const info = (JSON.parse(topics.stdout) as { name: string; messages: number; partitions: unknown[] }[]).find((t) => t.name === topic);
  assert.deepEqual([info?.messages, info?.partitions.length], [500, 2]);
});

test('connections are saved privately, tested, and rejected with a clear stage', () => {
  const s = broker.saslSsl!;
  assert.equal(cli('kafka', 'add', 'secure', '--brokers', s.bootstrap, '--ca', s.caPath, '--sasl', 'scram-sha-512', '--username', s.username).status, 0);
  assert.equal(statSync(join(home, 'connections.json')).mode & 0o777, 0o600);
  const listed = cli('kafka', 'connections');
  assert.match(listed.stdout, /secure .* sasl\/scram-sha-512 user streamlake \(password from STREAMLAKE_KAFKA_SECURE_PASSWORD\)/);
  const failing = cli('kafka', 'test', 'secure');
  assert.equal(failing.status, 1);
  assert.match(failing.stdout, /failed at auth/);
  const ok = spawnSync(process.execPath, [bin, 'kafka', 'test', 'secure'], { encoding: 'utf8', env: { ...process.env, STREAMLAKE_HOME: home, STREAMLAKE_KAFKA_SECURE_PASSWORD: s.password } });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ok: 1 broker/);
  assert.equal(cli('kafka', 'remove', 'secure').status, 0);
});
