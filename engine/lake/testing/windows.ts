// A windowed-output table as a window operator writes it: one row per (region, window_start), partitioned
// by day, re-emits replacing rows by that key.
import type { TestContext } from 'node:test';
import { openLake } from '../lake.ts';
import type { LakeTable } from '../table/table.ts';
import { tempDir } from './tmp.ts';

export const windowKey = ['region', 'window_start'];

export async function windowTable(t: TestContext): Promise<LakeTable> {
  return openLake(await tempDir(t)).createTable('w', {
    fields: [
      { name: 'region', required: false, type: 'string' },
      { name: 'window_start', required: false, type: 'timestamptz' },
      { name: 'orders', required: false, type: 'long' },
    ],
    partitionBy: ['day(window_start)'],
  });
}
