// pipelineExportFlink through the hosts' dispatcher, as the renderer calls it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';
import type { FlinkExportResult } from '../contract.ts';

test('File → Export → Flink SQL: the script writes into the studio lake, lists the differences and carries no secret', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-flink-api-'));
  try {
    await writeFile(join(home, 'connections.json'), JSON.stringify({ connections: [{ name: 'prod', brokers: ['k1:9093'], sasl: { mechanism: 'plain', username: 'svc', password: 'pa55-word-secret' } }] }), { mode: 0o600 });
    const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
    const doc = JSON.parse(await readFile(new URL('../../../resources/examples/sales-by-region.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const nodes = (doc.nodes as Record<string, unknown>[]).map((n) => (n.id === 'raw' ? { id: 'raw', type: 'sink.kafka', config: { connection: 'prod', topic: 'raw-orders', format: 'json' } } : n));
    const outcome = await dispatchCall(service, 'pipelineExportFlink', { doc: { ...doc, nodes } });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const result = outcome.result as FlinkExportResult;
    assert.match(result.sql, new RegExp(`'warehouse' = 'file://${home.replaceAll('/', '\\/')}'`));
    assert.match(result.sql, /CREATE TABLE IF NOT EXISTS streamlake\.lake\.sales_by_region/);
    assert.match(result.sql, /password="\$\{STREAMLAKE_KAFKA_PROD_PASSWORD\}"/);
    assert.ok(!JSON.stringify(result).includes('pa55-word-secret'));
    assert.deepEqual(result.placeholders, ['STREAMLAKE_KAFKA_PROD_PASSWORD']);
    assert.ok(result.problems.some((p) => p.node === 'per_min' && p.severity === 'differs' && /allowed lateness/.test(p.message)));
    const invalid = await dispatchCall(service, 'pipelineExportFlink', { doc: { ...doc, edges: [{ from: 'nowhere', to: 'lake' }] } });
    assert.ok(!invalid.ok && invalid.error.code === 'ENG_FORMAT_INVALID', JSON.stringify(invalid));
    await service.close();
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
