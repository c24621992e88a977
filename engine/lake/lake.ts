// A lake is a folder of tables, one sub-folder each. Listing never fails because of one broken table:
// that table is listed with its error and the others keep working.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, toErrorPayload, type ErrorPayload } from '../errors.ts';
import { systemClock, type Clock } from '../runtime/clock.ts';
import { loadMetadata } from './table/store.ts';
import { LakeTable, type CreateTableOptions } from './table/table.ts';

const TABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function checkTableName(name: string): void {
  if (!TABLE_NAME.test(name) || name.length > 200) {
    throw new EngineError('ENG_LAKE_NOT_TABLE', `"${name}" is not a valid table name: use letters, digits, _ . - (not starting with . or -)`, { table: name });
  }
}

export class Lake {
  readonly dir: string;
  readonly clock: Clock;

  constructor(dir: string, clock: Clock = systemClock) {
    this.dir = path.resolve(dir);
    this.clock = clock;
  }

  tablePath(name: string): string {
    checkTableName(name);
    return path.join(this.dir, name);
  }

  async tables(): Promise<{ name: string; error?: ErrorPayload }[]> {
    let entries;
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const names = entries.filter((e) => e.isDirectory() && TABLE_NAME.test(e.name)).map((e) => e.name).sort();
    return Promise.all(
      names.map(async (name) => {
        try {
          await loadMetadata(path.join(this.dir, name));
          return { name };
        } catch (error) {
          return { name, error: toErrorPayload(error, 'ENG_LAKE_METADATA') };
        }
      }),
    );
  }

  table(name: string): Promise<LakeTable> {
    return LakeTable.open(this.tablePath(name), { name, clock: this.clock });
  }

  async exists(name: string): Promise<boolean> {
    try {
      await loadMetadata(this.tablePath(name));
      return true;
    } catch (error) {
      if (error instanceof EngineError && error.code === 'ENG_LAKE_NOT_TABLE') return false;
      throw error;
    }
  }

  /** Creates the table (or opens it when a concurrent writer created it first). */
  createTable(name: string, options: CreateTableOptions): Promise<LakeTable> {
    return LakeTable.create(this.tablePath(name), { clock: this.clock, ...options });
  }
}

export function openLake(dir: string, options: { clock?: Clock } = {}): Lake {
  return new Lake(dir, options.clock);
}
