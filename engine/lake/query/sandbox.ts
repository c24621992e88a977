// The DuckDB instance user SQL runs on. The writer's shared instance (engine/lake/duckdb.ts) can read and
// write any file the process can; SQL typed by a user (or sent by a compromised page with the token) must
// not. So each query service gets its own in-memory instance where:
// - file access is limited to the lake folder and a private spill folder (`enable_external_access=false`
//   with `allowed_directories`): read_csv('/etc/passwd'), glob('/root/*'), ATTACH '/elsewhere' and
//   `<lake>/../x` fail in DuckDB itself, whatever the SQL looks like;
// - extensions cannot be installed or loaded (no network, no new file systems);
// - the configuration is locked, so `SET GLOBAL enable_external_access=true` or `SET GLOBAL threads=1`
//   cannot undo the above or break later queries;
// - and statements other than queries are refused before they are even prepared (readOnlyStatement),
//   because the lake folder itself must stay read-only: COPY … TO '<lake>/x', ATTACH '<lake>/x.duckdb'
//   and EXPORT DATABASE would otherwise write there (preparing EXPORT already creates its folder).
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EngineError } from '../../errors.ts';
import { sqlString } from '../duckdb.ts';

export interface Sandbox {
  instance(): Promise<DuckDBInstance>;
  /** Closes the instance and removes its spill folder. Connections still open keep it alive until closed. */
  close(): void;
}

/** `dir` and its real path (they differ behind a symlink such as macOS's /tmp), each ending with a separator. */
function directoryForms(dir: string): string[] {
  const absolute = resolve(dir);
  const forms = new Set([absolute]);
  try {
    forms.add(realpathSync(absolute));
  } catch {
    // A lake folder that does not exist yet holds no tables; its absolute form is enough.
  }
  return [...forms].map((form) => (form.endsWith(sep) ? form : form + sep));
}

/** A sandboxed instance over `lakeDir`, created on first use. */
export function createSandbox(lakeDir: string): Sandbox {
  let created: Promise<DuckDBInstance> | null = null;
  let spill: string | null = null;
  return {
    instance() {
      created ??= (async () => {
        // Spilling large sorts and joins still works, into a folder of our own instead of `./.tmp` under
        // whatever the current directory is (DuckDB allows its temp folder implicitly).
        spill = mkdtempSync(resolve(tmpdir(), 'streamlake-sql-'));
        const instance = await DuckDBInstance.create(':memory:', {
          autoinstall_known_extensions: 'false',
          autoload_known_extensions: 'false',
        });
        const connection = await instance.connect();
        try {
          await lockDown(connection, directoryForms(lakeDir), spill);
        } finally {
          connection.closeSync();
        }
        return instance;
      })();
      created.catch(() => {
        created = null;
      });
      return created;
    },
    close() {
      void created?.then((instance) => instance.closeSync(), () => undefined);
      created = null;
      if (spill !== null) rmSync(spill, { recursive: true, force: true });
      spill = null;
    },
  };
}

async function lockDown(connection: DuckDBConnection, allowed: string[], spill: string): Promise<void> {
  // Lake data files are immutable (Iceberg never rewrites one in place), so caching their Parquet footers
  // across queries is safe and saves re-reading hundreds of footers per query.
  await connection.run('SET parquet_metadata_cache = true');
  await connection.run(`SET temp_directory = ${sqlString(spill)}`);
  await connection.run('SET allow_community_extensions = false');
  await connection.run(`SET allowed_directories = [${allowed.map(sqlString).join(', ')}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

/**
 * Refuses anything but a query, using DuckDB's own parser: `json_serialize_sql` parses without binding or
 * executing and serializes SELECT statements only (SELECT, FROM-first, WITH, VALUES, DESCRIBE, SHOW,
 * SUMMARIZE, PIVOT). Syntax errors are left for prepare, which words them better. Runs on the sandbox, so
 * parsing cannot touch files either. Returns the serialized tree, which pruning reads too (one parse).
 */
export async function readOnlyStatement(connection: DuckDBConnection, sql: string): Promise<string> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${sqlString(sql)})`);
  const serialized = String(reader.getRows()[0]?.[0] ?? '');
  let parsed: { error?: unknown; error_message?: unknown } = {};
  try {
    parsed = JSON.parse(serialized) as typeof parsed;
  } catch {
    // Not expected from DuckDB; prepare decides.
  }
  if (parsed.error === true && typeof parsed.error_message === 'string' && /only select statements/i.test(parsed.error_message)) throw readOnlyError(sql);
  return serialized;
}

/** The first keyword of `sql`, past comments, for the refusal message. */
function firstKeyword(sql: string): string {
  const text = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? 'this statement';
}

export function readOnlyError(sql: string): EngineError {
  const keyword = firstKeyword(sql);
  return new EngineError(
    'ENG_SQL_READ_ONLY',
    `${keyword} is not allowed here: SQL over the lake is read-only (SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE). ` +
      'Statements that write files, attach databases, load extensions or change settings are refused; to save results use Export, which asks where to write',
    { statement: keyword },
  );
}
