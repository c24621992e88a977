// Attacks on the engine through the one contract both hosts implement (engine/api), called the way a
// compromised page or a leaked token would: through dispatchCall, after params validation. Each case
// asserts the refusal and that nothing happened on disk (no file read back, no file created, the writer
// still working).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ErrorPayload } from '../errors.ts';
import { openLake, sqlString, withConnection } from '../lake/index.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import type { ParamsOf, PipelineTrustReport, ResultOf, StudioMethod } from './contract.ts';
import { dispatchCall } from './dispatch.ts';
import { createStudioService, type StudioService } from './service.ts';

describe('user SQL runs in a sandbox', () => {
  let home: string;
  let lakeDir: string;
  let outside: string;
  let service: StudioService;

  async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<{ ok: true; result: ResultOf<M> } | { ok: false; error: ErrorPayload }> {
    const outcome = await dispatchCall(service, method, params);
    return outcome.ok ? { ok: true, result: outcome.result as ResultOf<M> } : outcome;
  }

  async function refused(sql: string, code: string): Promise<ErrorPayload> {
    const outcome = await call('sqlRun', { sql });
    assert.equal(outcome.ok, false, `${sql} should be refused, got ${JSON.stringify(outcome.ok && outcome.result.rows)}`);
    assert.equal(outcome.ok ? '' : outcome.error.code, code, `${sql}: ${outcome.ok ? '' : outcome.error.message}`);
    return outcome.ok ? { code: 'ENG_HOST_INTERNAL', message: '' } : outcome.error;
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-security-'));
    lakeDir = join(home, 'lake');
    outside = join(home, 'outside');
    await mkdir(outside);
    const table = await openLake(lakeDir).createTable('orders', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'region', required: false, type: 'string' }] });
    await table.append([{ id: 1, region: 'EU' }, { id: 2, region: 'US' }]);
    await table.createTag('first');
    await table.append([{ id: 3, region: 'EU' }]);
    // Real files beside the lake that the old code read: a CSV of secrets and a Parquet file.
    await writeFile(join(outside, 'secret.csv'), 'user,password\nroot,hunter2\n');
    await withConnection((c) => c.run(`COPY (SELECT 42 AS answer) TO ${sqlString(join(outside, 'secret.parquet'))} (FORMAT PARQUET)`));
    service = createStudioService({ mode: 'browser', lakeDir, homeDir: home });
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('reading files outside the lake is refused', async () => {
    const passwd = await refused("SELECT * FROM read_csv('/etc/passwd', header = false)", 'ENG_SQL_FILE_ACCESS');
    assert.match(passwd.message, /"\/etc\/passwd" is outside the lake folder/);
    await refused(`SELECT * FROM read_csv(${sqlString(join(outside, 'secret.csv'))})`, 'ENG_SQL_FILE_ACCESS');
    await refused(`SELECT * FROM read_text(${sqlString(join(outside, 'secret.csv'))})`, 'ENG_SQL_FILE_ACCESS');
    await refused("SELECT * FROM read_text('/proc/self/environ')", 'ENG_SQL_FILE_ACCESS');
    await refused("SELECT * FROM read_csv('https://example.com/x.csv')", 'ENG_SQL_FILE_ACCESS');
  });

  test('path tricks and globs stay inside the lake folder', async () => {
    await refused(`SELECT * FROM read_parquet(${sqlString(`${lakeDir}/../outside/secret.parquet`)})`, 'ENG_SQL_FILE_ACCESS');
    await refused(`SELECT * FROM read_parquet(${sqlString(`${lakeDir}/orders/../../outside/secret.parquet`)})`, 'ENG_SQL_FILE_ACCESS');
    // Relative to the process's folder, wherever that is.
    await refused(`SELECT * FROM read_parquet(${sqlString(relative(process.cwd(), join(outside, 'secret.parquet')))})`, 'ENG_SQL_FILE_ACCESS');
    await refused(`SELECT * FROM read_parquet(${sqlString(`${home}/*/secret.parquet`)})`, 'ENG_SQL_FILE_ACCESS');
    await refused(`SELECT * FROM read_parquet(${sqlString(`${lakeDir}*/../outside/*.parquet`)})`, 'ENG_SQL_FILE_ACCESS');
    await refused("SELECT * FROM glob('/root/*')", 'ENG_SQL_FILE_ACCESS');
    await refused(`SELECT * FROM glob(${sqlString(`${home}/**`)})`, 'ENG_SQL_FILE_ACCESS');
    // The lake's own files are readable, by glob too: that is what the SQL is for.
    const own = await call('sqlRun', { sql: `SELECT count(*) AS n FROM glob(${sqlString(`${lakeDir}/orders/data/**/*.parquet`)})` });
    assert.ok(own.ok && Number(own.result.rows[0]![0]) >= 2, JSON.stringify(own));
  });

  test('statements that write or attach are refused before they touch the disk', async () => {
    const copy = await refused(`COPY (SELECT 'x') TO ${sqlString(join(outside, 'written.csv'))}`, 'ENG_SQL_READ_ONLY');
    assert.match(copy.message, /^COPY is not allowed here: SQL over the lake is read-only/);
    assert.match(copy.message, /use Export/);
    await refused(`COPY (SELECT 'x') TO ${sqlString(join(lakeDir, 'written.csv'))}`, 'ENG_SQL_READ_ONLY');
    await refused(`ATTACH ${sqlString(join(outside, 'x.duckdb'))}`, 'ENG_SQL_READ_ONLY');
    await refused(`ATTACH ${sqlString(join(lakeDir, 'x.duckdb'))}`, 'ENG_SQL_READ_ONLY');
    await refused(`EXPORT DATABASE ${sqlString(join(lakeDir, 'exported'))}`, 'ENG_SQL_READ_ONLY');
    await refused(`/* hidden */ -- still\nCOPY orders TO ${sqlString(join(lakeDir, 'orders.csv'))}`, 'ENG_SQL_READ_ONLY');
    await refused('CREATE TABLE t AS SELECT 1', 'ENG_SQL_READ_ONLY');
    await refused('INSTALL httpfs', 'ENG_SQL_READ_ONLY');
    await refused('LOAD httpfs', 'ENG_SQL_READ_ONLY');
    await refused("CALL pragma_version()", 'ENG_SQL_READ_ONLY');
    for (const name of ['written.csv', 'x.duckdb']) assert.equal(existsSync(join(outside, name)), false, `${name} outside`);
    for (const name of ['written.csv', 'x.duckdb', 'exported', 'orders.csv']) assert.equal(existsSync(join(lakeDir, name)), false, `${name} in the lake`);
    // Export is its own action, and it runs the same read-only rule.
    const exported = await call('sqlExport', { sql: `COPY (SELECT 1) TO ${sqlString(join(outside, 'via-export.csv'))}`, format: 'csv' });
    assert.equal(exported.ok ? '' : exported.error.code, 'ENG_SQL_READ_ONLY');
    assert.equal(existsSync(join(outside, 'via-export.csv')), false);
  });

  test('settings cannot be changed, and the writer keeps working after the attempts', async () => {
    await refused('SET GLOBAL enable_external_access = false', 'ENG_SQL_READ_ONLY');
    await refused('SET GLOBAL threads = 1', 'ENG_SQL_READ_ONLY');
    await refused('RESET GLOBAL allowed_directories', 'ENG_SQL_READ_ONLY');
    await refused("PRAGMA threads = 1", 'ENG_SQL_READ_ONLY');
    const threads = await call('sqlRun', { sql: "SELECT current_setting('threads') AS t, current_setting('lock_configuration') AS locked" });
    assert.ok(threads.ok);
    assert.equal(threads.result.rows[0]![1], true, 'the sandbox configuration is locked');
    // The pipeline writer's own DuckDB was never reachable: appending still writes Parquet files.
    const table = await openLake(lakeDir).table('orders');
    await table.append([{ id: 4, region: 'US' }]);
    const count = await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders' });
    assert.deepEqual(count.ok && count.result.rows, [[4]]);
  });

  test('time travel and views over the lake still work in the sandbox', async () => {
    const tagged = await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders@first' });
    assert.deepEqual(tagged.ok && tagged.result.rows, [[2]]);
    const byOption = await call('sqlRun', { sql: 'SELECT region, count(*) AS n FROM orders GROUP BY region ORDER BY region', version: { tag: 'first' } });
    assert.deepEqual(byOption.ok && byOption.result.rows, [['EU', 1], ['US', 1]]);
    const joined = await call('sqlRun', { sql: 'WITH head AS (FROM orders), old AS (FROM orders@first) SELECT count(*) AS n FROM head JOIN old USING (id)' });
    assert.deepEqual(joined.ok ? joined.result.rows : joined.error, [[2]]);
    const described = await call('sqlRun', { sql: 'DESCRIBE orders' });
    assert.deepEqual(described.ok && described.result.rows.map((row) => row[0]), ['id', 'region']);
  });
});

describe('streamlake lake query', () => {
  let dir = '';
  const bin = new URL('../cli/bin.js', import.meta.url).pathname;

  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'lake', 'query', ...args, '--lake', join(dir, 'lake')], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamlake-security-cli-'));
    await (await openLake(join(dir, 'lake')).createTable('t', { fields: [{ name: 'a', required: false, type: 'long' }] })).append([{ a: 1 }]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('is read-only over the lake unless --unsafe', async () => {
    const target = join(dir, 'out.csv');
    const copy = await cli(`COPY t TO ${sqlString(target)}`);
    assert.equal(copy.code, 1);
    assert.match(copy.stderr, /COPY is not allowed here/);
    assert.equal(existsSync(target), false);
    const passwd = await cli("SELECT count(*) FROM read_csv('/etc/passwd', header = false)");
    assert.equal(passwd.code, 1);
    assert.match(passwd.stderr, /outside the lake folder/);

    const unsafe = await cli(`COPY t TO ${sqlString(target)}`, '--unsafe');
    assert.equal(unsafe.code, 0, unsafe.stderr);
    assert.equal(existsSync(target), true);
  });
});

describe('workspace trust: an imported pipeline that reads files outside the studio folders', () => {
  let home: string;
  let outside: string;
  let service: StudioService;
  const secretRows = [{ user: 'root', password: 'hunter2' }, { user: 'alice', password: 'wonderland' }];

  function pipelineText(path: string, where = 'true'): string {
    return JSON.stringify({
      format: 'streamlake.pipeline', version: 1, name: 'innocent-looking',
      nodes: [
        { id: 'read', type: 'source.file', config: { path, format: 'jsonl' } },
        { id: 'keep', type: 'transform.filter', config: { where } },
        { id: 'out', type: 'sink.preview', config: {} },
      ],
      edges: [{ from: 'read', to: 'keep' }, { from: 'keep', to: 'out' }],
    });
  }

  async function imported(text: string): Promise<PipelineDoc> {
    const outcome = await dispatchCall(service, 'pipelineImport', { text });
    assert.ok(outcome.ok);
    const result = outcome.result as ResultOf<'pipelineImport'>;
    assert.ok(result.ok);
    return result.doc;
  }

  async function finished(): Promise<void> {
    for (;;) {
      const status = await service.runStatus();
      if (status.state === 'finished' || status.state === 'failed') {
        assert.equal(status.state, 'finished', status.error?.message);
        return;
      }
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-trust-'));
    outside = await mkdtemp(join(tmpdir(), 'streamlake-trust-outside-'));
    await writeFile(join(outside, 'secrets.jsonl'), secretRows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    await mkdir(join(home, 'data'));
    await writeFile(join(home, 'data', 'own.jsonl'), '{"n":1}\n{"n":2}\n{"n":3}\n');
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  test('is refused until the user confirms exactly what it reads; then it runs and is remembered', async () => {
    const secrets = join(outside, 'secrets.jsonl');
    const doc = await imported(pipelineText(secrets));
    const refused = await dispatchCall(service, 'runStart', { doc, options: { fresh: true } });
    assert.equal(refused.ok ? '' : refused.error.code, 'ENG_TRUST_REQUIRED');
    assert.match(refused.ok ? '' : refused.error.message, new RegExp(`read reads file ${secrets.replaceAll('/', '\\/')}`));
    const report = (refused.ok ? undefined : (refused.error.details as { report: PipelineTrustReport }).report)!;
    assert.deepEqual(report.items, [{ nodeId: 'read', kind: 'file', direction: 'reads', target: secrets, outside: true }]);
    assert.equal(report.required, true);
    assert.equal(report.trusted, false);
    assert.equal((await service.runStatus()).state, 'idle', 'nothing ran');

    // The dialog's hash must match what the pipeline reaches now.
    const stale = await dispatchCall(service, 'pipelineTrust', { doc, hash: '0'.repeat(64) });
    assert.equal(stale.ok ? '' : stale.error.code, 'ENG_TRUST_REQUIRED');
    const trusted = await dispatchCall(service, 'pipelineTrust', { doc, hash: report.hash });
    assert.ok(trusted.ok && (trusted.result as PipelineTrustReport).trusted);
    assert.equal((await stat(join(home, 'trusted-pipelines.json'))).mode & 0o777, 0o600);

    const started = await dispatchCall(service, 'runStart', { doc, options: { fresh: true } });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    await finished();
    const preview = await service.nodePreview({ nodeId: 'out', limit: 10 });
    assert.deepEqual(preview.rows, secretRows, 'what it read is exactly the file, now that the user said so');

    // Editing the logic keeps the trust; pointing the source elsewhere asks again.
    const edited = await imported(pipelineText(secrets, "user <> 'nobody'"));
    assert.equal((await service.pipelineTrustCheck({ doc: edited })).trusted, true);
    const elsewhere = await imported(pipelineText('/etc/passwd'));
    const again = await dispatchCall(service, 'runStart', { doc: elsewhere, options: { fresh: true } });
    assert.equal(again.ok ? '' : again.error.code, 'ENG_TRUST_REQUIRED');
  });

  test('files inside the studio folders, the lake and saved or built-in connections need no confirmation', async () => {
    const own = await imported(pipelineText(join(home, 'data', 'own.jsonl')));
    const report = await service.pipelineTrustCheck({ doc: own });
    assert.equal(report.required, false);
    const started = await dispatchCall(service, 'runStart', { doc: own, options: { fresh: true } });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    await finished();
    // A symlink inside the home folder that points outside is outside.
    await symlink(join(outside, 'secrets.jsonl'), join(home, 'data', 'link.jsonl'));
    const linked = await service.pipelineTrustCheck({ doc: await imported(pipelineText(join(home, 'data', 'link.jsonl'))) });
    assert.equal(linked.required, true);
    assert.match(linked.items[0]!.detail ?? '', /the link points to .*secrets\.jsonl/);
    // Kafka: the built-in local connection is the user's; an unknown one is not.
    const kafka = (connection: string): PipelineDoc => ({
      format: 'streamlake.pipeline', version: 1, name: 'k',
      nodes: [
        { id: 'in', type: 'source.kafka', config: { connection, topics: ['t'], format: 'json' } },
        { id: 'lake', type: 'sink.lake', config: { table: 't_copy' } },
      ],
      edges: [{ from: 'in', to: 'lake' }],
    } as PipelineDoc);
    const local = await service.pipelineTrustCheck({ doc: kafka('local') });
    assert.equal(local.required, false);
    assert.deepEqual(local.items.map((item) => [item.kind, item.direction, item.outside]), [['kafka', 'reads', false], ['lake', 'writes', false]]);
    const unknown = await service.pipelineTrustCheck({ doc: kafka('evil') });
    assert.equal(unknown.required, true);
    assert.equal(unknown.items[0]!.detail, 'not one of your saved connections');
  });
});
