#!/usr/bin/env node
// The `streamlake` command. Engine code is TypeScript run without a build step, so register tsx's loader
// first, then hand over to main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
