import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const bin = new URL('./bin.js', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'streamlake-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, STREAMLAKE_HOME: dir, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('export flink writes the script, lists the differences and never a secret', async () => {
  writeFileSync(join(dir, 'connections.json'), JSON.stringify({ connections: [{ name: 'prod', brokers: ['k1:9093'], sasl: { mechanism: 'plain', username: 'svc', password: 'S3cret-in-file' } }] }), { mode: 0o600 });
  const out = join(dir, 'job.sql');
  const r = await cli(['export', 'flink', 'resources/examples/sales-by-region.json', '--out', out, '--lake', '/srv/lakes/main'], { STREAMLAKE_KAFKA_PROD_PASSWORD: 'S3cret-in-env' });
  assert.equal(r.code, 0, r.stderr);
  const sql = readFileSync(out, 'utf8');
  assert.match(sql, /'warehouse' = 'file:\/\/\/srv\/lakes'/);
  assert.match(sql, /EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO streamlake\.main\.sales_by_region/);
  assert.match(r.stderr, /~ per_min: allowed lateness 30s/);
  assert.match(r.stderr, /✗ dead: this sink only receives error or late events/);
  assert.match(r.stderr, /wrote .*job\.sql \(\d+ statements/);

  const pipeline = join(dir, 'secure.json');
  writeFileSync(pipeline, JSON.stringify({
    format: 'streamlake.pipeline', version: 1, name: 'secure',
    nodes: [
      { id: 'gen', type: 'source.generator', config: { dataset: 'sales_orders' } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'prod', topic: 'copy', format: 'json' } },
    ],
    edges: [{ from: 'gen', to: 'out' }],
  }));
  const secure = await cli(['export', 'flink', pipeline, '--json'], { STREAMLAKE_KAFKA_PROD_PASSWORD: 'S3cret-in-env' });
  assert.equal(secure.code, 0, secure.stderr);
  assert.ok(!secure.stdout.includes('S3cret'), 'no secret in the output');
  const parsed = JSON.parse(secure.stdout) as { sql: string; placeholders: string[] };
  assert.match(parsed.sql, /password="\$\{STREAMLAKE_KAFKA_PROD_PASSWORD\}"/);
  assert.ok(parsed.placeholders.includes('STREAMLAKE_KAFKA_PROD_PASSWORD'));

  const wrong = await cli(['export', 'spark', pipeline]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /unknown export target 'spark'/);
  writeFileSync(join(dir, 'bad.json'), '{"format":"streamlake.pipeline","version":1}');
  const bad = await cli(['export', 'flink', join(dir, 'bad.json')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /is not a valid pipeline/);
});
