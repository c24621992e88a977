// The decode worker's entry point. Engine code is TypeScript run through tsx, whose loader a worker thread
// does not get from its parent (neither from `node --import tsx` on Node 20 nor from bin.js' register()),
// so the worker registers it before loading its code.
const { register } = await import('tsx/esm/api');
register();
await import('./decode-worker.ts');
