import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openLake } from '../lake/index.ts';

// End to end: the real `streamlake` binary against a lake the real writer produced.
const bin = new URL('./bin.js', import.meta.url).pathname;
let dir = '';
let first = 0n;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'lake', ...args, '--lake', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lake-cli-'));
  const lake = openLake(dir);
  const sales = await lake.createTable('sales', {
    fields: [
      { name: 'region', required: false, type: 'string' },
      { name: 'amount', required: false, type: 'double' },
      { name: 'note', required: false, type: 'string' },
    ],
    partitionBy: ['region'],
  });
  await sales.append([
    { region: 'eu', amount: 1.5, note: 'a,b "quoted"' },
    { region: 'us', amount: 2, note: null },
  ]);
  first = sales.resolve()!.snapshotId;
  await sales.append([{ region: 'eu', amount: 10, note: 'two\nlines' }]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('tables and snapshots list what the writer committed', async () => {
  const tables = await cli('tables', '--format', 'json');
  assert.equal(tables.code, 0, tables.stderr);
  const [row] = tables.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(row?.['table'], 'sales');
  assert.equal(row?.['rows'], 3);
  assert.equal(row?.['snapshots'], 2);

  const snapshots = await cli('snapshots', 'sales');
  assert.equal(snapshots.code, 0, snapshots.stderr);
  const lines = snapshots.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\s*snapshot_id\s+parent_id\s+sequence\s+committed\s+operation/);
  assert.match(lines[2]!, new RegExp(`^\\s*${first}\\s+NULL\\s+1\\s`));
  assert.equal(lines.at(-1), '(2 rows)');
});

test('query prints an aligned table, JSON lines or RFC 4180 CSV', async () => {
  const table = await cli('query', 'SELECT region, amount, note FROM sales ORDER BY amount');
  assert.equal(table.code, 0, table.stderr);
  assert.equal(
    table.stdout,
    ['region  amount  note', '------  ------  ------------', 'eu         1.5  a,b "quoted"', 'us           2  NULL', 'eu          10  two\\nlines', '(3 rows)', ''].join('\n'),
  );
  const csv = await cli('query', 'SELECT region, amount, note FROM sales ORDER BY amount', '--format', 'csv');
  assert.equal(csv.stdout, 'region,amount,note\r\neu,1.5,"a,b ""quoted"""\r\nus,2,\r\neu,10,"two\nlines"\r\n');
  const json = await cli('query', `SELECT count(*) AS n FROM sales@${first}`, '--format', 'json');
  assert.equal(json.stdout, '{"n":2}\n');
});

test('--snapshot, --as-of and the version flags choose the version', async () => {
  const bySnapshot = await cli('query', 'SELECT count(*) AS n FROM sales', '--snapshot', String(first), '--format', 'json');
  assert.equal(bySnapshot.stdout, '{"n":2}\n', bySnapshot.stderr);
  const before = await cli('query', 'SELECT count(*) AS n FROM sales', '--as-of', '2000-01-01T00:00:00Z');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /no snapshot at or before 2000-01-01.*\[ENG_LAKE_REF\]/);
  const both = await cli('query', 'SELECT 1', '--tag', 'a', '--branch', 'b');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /at most one of --snapshot, --tag, --branch, --as-of/);
});

test('tags, branches, fast-forward and rollback change refs', async () => {
  assert.equal((await cli('tag', 'sales', 'v1', '--snapshot', String(first))).code, 0);
  assert.equal((await cli('query', 'SELECT count(*) AS n FROM sales@v1', '--format', 'json')).stdout, '{"n":2}\n');
  assert.equal((await cli('tag', 'sales', '--delete', 'v1')).code, 0);
  const gone = await cli('query', 'SELECT * FROM sales@v1');
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no snapshot, tag or branch "v1"/);

  assert.equal((await cli('branch', 'sales', 'audit')).code, 0);
  const rollback = await cli('rollback', 'sales', String(first));
  assert.equal(rollback.code, 0, rollback.stderr);
  assert.equal((await cli('query', 'SELECT count(*) AS n FROM sales', '--format', 'json')).stdout, '{"n":2}\n');
  const forward = await cli('fast-forward', 'sales', 'audit');
  assert.equal(forward.code, 0, forward.stderr);
  assert.equal((await cli('query', 'SELECT count(*) AS n FROM sales', '--format', 'json')).stdout, '{"n":3}\n');
});

test('maintenance reports progress on stderr and keeps the data', async () => {
  const compact = await cli('compact', 'sales', '--target-size', '64');
  assert.equal(compact.code, 0, compact.stderr);
  assert.match(compact.stdout, /rewrote \d+ files into \d+|nothing to compact/);
  assert.match(compact.stderr, /compact sales: \d+\/\d+/);
  const expire = await cli('expire', 'sales', '--older-than', '0s', '--retain-last', '1');
  assert.equal(expire.code, 0, expire.stderr);
  assert.match(expire.stdout, /expired \d+ snapshots/);
  const refused = await cli('clean', 'sales', '--older-than', '0s');
  assert.equal(refused.code, 1, 'below the one-day floor without --force');
  assert.match(refused.stderr, /refusing to remove orphans younger than 24 h .*pass force.* \[ENG_LAKE_UNSAFE\]/);
  const clean = await cli('clean', 'sales', '--older-than', '0s', '--force');
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /removed \d+ orphan files/);
  assert.equal((await cli('query', 'SELECT count(*) AS n, sum(amount) AS s FROM sales', '--format', 'json')).stdout, '{"n":3,"s":13.5}\n');
});

test('unknown tables, refs, subcommands and bad SQL are clear errors', async () => {
  const table = await cli('snapshots', 'nope');
  assert.equal(table.code, 1);
  assert.match(table.stderr, /no table "nope" in .* \(tables: sales\) \[ENG_LAKE_NOT_TABLE\]/);
  const missing = await cli('query', 'SELECT * FROM nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope does not exist; lake tables: sales \[ENG_LAKE_QUERY\]/);
  const syntax = await cli('query', 'SELEC 1');
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /syntax error at or near "SELEC"/);
  const unknown = await cli('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown subcommand "frobnicate"/);
  const rollback = await cli('rollback', 'sales', '12345');
  assert.equal(rollback.code, 1);
  assert.match(rollback.stderr, /12345/);
});

test('sort shows and sets the sort order; tables lists it; compact re-sorts the files', async () => {
  const lake = openLake(dir);
  await lake.createTable('orders', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'customer', required: false, type: 'string' }] });
  await (await lake.table('orders')).append([{ id: 2, customer: 'b' }, { id: 1, customer: null }, { id: 3, customer: 'a' }]);
  assert.equal((await cli('sort', 'orders')).stdout, 'orders: unsorted\n');

  const set = await cli('sort', 'orders', 'customer desc', 'id');
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'orders: sort order is now customer desc nulls last, id asc nulls first (order 1); run "streamlake lake compact" to re-sort files written before\n');
  assert.match((await cli('sort', 'orders', 'customer DESC', 'id asc')).stdout, /was already customer desc nulls last, id asc nulls first/);
  const tables = (await cli('tables', '--format', 'json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(tables.find((r) => r.table === 'orders')?.sort_order, 'customer desc nulls last, id asc nulls first (order 1)');
  assert.equal(tables.find((r) => r.table === 'sales')?.sort_order, 'unsorted');

  const compact = await cli('compact', 'orders');
  assert.equal(compact.code, 0, compact.stderr);
  assert.match(compact.stdout, /rewrote 1 files into 1/, 'a lone file in another order is rewritten');
  const table = await lake.table('orders');
  const [file] = await table.dataFiles(table.resolve()!.snapshotId);
  assert.equal(file?.sortOrderId, 1);
  const ids = await cli('query', `SELECT id FROM read_parquet('${file?.path}')`, '--format', 'csv');
  assert.equal(ids.stdout, 'id\r\n2\r\n3\r\n1\r\n', 'b, a, then the null customer last');

  const bad = await cli('sort', 'orders', 'nope desc');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no column "nope"; the table has: id, customer \[ENG_LAKE_SORT_ORDER\]/);
  assert.match((await cli('sort', 'orders', 'id', '--clear')).stderr, /--clear takes only the table name/);
  assert.equal((await cli('sort', 'orders', '--clear')).stdout, 'orders: sort order is now unsorted\n');
});

test('partition shows the spec and evolves it; old files keep theirs and still count', async () => {
  const before = (await cli('query', 'SELECT count(*) AS n FROM sales', '--format', 'json')).stdout;
  const shown = await cli('partition', 'sales');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^sales: .* \(spec \d+ of \d+\)\n$/);
  const cleared = await cli('partition', 'sales', '--clear');
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /partition spec (is now|was already) unpartitioned/);
  const bad = await cli('partition', 'sales', 'nope');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /column "nope" is not in the table schema/);
  assert.equal((await cli('query', 'SELECT count(*) AS n FROM sales', '--format', 'json')).stdout, before);
});
