// Idle query connections kept with the temp views they already hold. A view over a big snapshot is a
// read_parquet over hundreds of paths; creating it costs DuckDB a parse and a bind of that list on every
// query (~5 ms for 250 files, as much as the bind the query itself needs). A connection that comes back
// after a plain SELECT that was read to the end still holds exactly the views we made, so the next query
// that wants the same view text skips creating it; every other view it holds is dropped, so a name never
// resolves to a view the query did not ask for. Anything else (an error, a cancel, a statement that may
// have changed the connection's catalog or settings) closes the connection instead.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { quoteIdentifier } from './references.ts';
import { createViewStatement } from './view.ts';

const idleKept = 4;

export interface QueryConnection {
  readonly connection: DuckDBConnection;
  /** Lower-cased view name → [the name as created, the SELECT behind it]. */
  readonly views: Map<string, [string, string]>;
}

export interface ConnectionPool {
  acquire(): Promise<QueryConnection>;
  /** Makes the connection hold exactly these views (name → SELECT), creating only those that differ. */
  useViews(held: QueryConnection, wanted: readonly { name: string; select: string }[]): Promise<void>;
  /** `reusable`: a SELECT read to its end; anything else closes the connection. */
  release(held: QueryConnection, reusable: boolean): void;
  closeIdle(): void;
}

export function connectionPool(instance: () => Promise<DuckDBInstance>): ConnectionPool {
  const idle: QueryConnection[] = [];
  return {
    async acquire() {
      return idle.pop() ?? { connection: await (await instance()).connect(), views: new Map() };
    },
    async useViews(held, wanted) {
      const names = new Set(wanted.map((view) => view.name.toLowerCase()));
      for (const [lower, [name]] of [...held.views]) {
        if (names.has(lower)) continue;
        held.views.delete(lower);
        await held.connection.run(`DROP VIEW IF EXISTS ${quoteIdentifier(name)}`);
      }
      for (const { name, select } of wanted) {
        const lower = name.toLowerCase();
        const current = held.views.get(lower);
        if (current?.[0] === name && current[1] === select) continue;
        // Forget it first: if creating fails, the connection is closed, but it must never look current.
        held.views.delete(lower);
        await held.connection.run(createViewStatement(name, select));
        held.views.set(lower, [name, select]);
      }
    },
    release(held, reusable) {
      if (reusable && idle.length < idleKept) {
        idle.push(held);
        return;
      }
      held.connection.closeSync();
    },
    closeIdle() {
      for (const held of idle.splice(0)) held.connection.closeSync();
    },
  };
}
