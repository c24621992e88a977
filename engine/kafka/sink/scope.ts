// The installation a transactional id belongs to. Kafka transactional ids are global to a cluster, and
// pipeline names are not: two studios (two users, two STREAMLAKE_HOMEs, a test run beside a real one)
// running a pipeline of the same name against one broker would fence each other's producers and read each
// other's commit records, and one could take the other's checkpoint for its own (Flink asks for a unique
// transactionalIdPrefix per job for the same reason). So each STREAMLAKE_HOME draws a random id once and
// scopes its sinks' transactional ids and commit records with it.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';

const FILE = 'installation-id';
const shape = /^[0-9a-f]{16}$/;

/** This home's installation id (16 hex digits), created on first use; every process of the home agrees on it. */
export async function installationId(homeDir: string): Promise<string> {
  const file = path.join(homeDir, FILE);
  const existing = await readId(file);
  if (existing) return existing;
  await mkdir(homeDir, { recursive: true });
  // Written aside and linked in: of two processes starting at once, exactly one id wins and both read it.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${randomBytes(8).toString('hex')}\n`, { mode: 0o644 });
  try {
    await link(temp, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
  const id = await readId(file);
  if (!id) throw new EngineError('ENG_KAFKA_TRANSACTION', `${file} does not hold an installation id (16 hex digits); delete it to draw a new one`, { file });
  return id;
}

async function readId(file: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  const id = text.trim();
  if (!shape.test(id)) throw new EngineError('ENG_KAFKA_TRANSACTION', `${file} does not hold an installation id (16 hex digits); delete it to draw a new one`, { file });
  return id;
}
