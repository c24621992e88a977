// Type declarations for the parts of `pg` (node-postgres, which ships none) the PostgreSQL sink uses.
// @types/pg-copy-streams imports Connection and Submittable from here.
declare module 'pg' {
  import type { EventEmitter } from 'node:events';
  import type { ConnectionOptions } from 'node:tls';

  export interface ClientConfig {
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
    ssl?: boolean | ConnectionOptions;
    connectionTimeoutMillis?: number;
    statement_timeout?: number;
    query_timeout?: number;
    application_name?: string;
    keepAlive?: boolean;
  }

  export interface FieldDef {
    name: string;
    dataTypeID: number;
  }

  export interface QueryResult<R = Record<string, unknown>> {
    rows: R[];
    rowCount: number | null;
    fields: FieldDef[];
  }

  export class Connection extends EventEmitter {}

  export interface Submittable {
    submit(connection: Connection): void;
  }

  /** An error the server reported: SQLSTATE `code` and its own message. */
  export interface DatabaseError extends Error {
    code?: string;
    detail?: string;
    column?: string;
  }

  export class Client extends EventEmitter {
    constructor(config?: ClientConfig);
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
    query<T extends Submittable>(submittable: T): T;
    end(): Promise<void>;
  }

  const pg: { Client: typeof Client };
  export default pg;
}
