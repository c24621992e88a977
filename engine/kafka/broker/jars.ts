// The broker's jars come from Maven Central through the pom beside this file. They are resolved once into
// an ignored cache folder; a marker holding the pom's hash says the copy finished and matches the pom, so
// an interrupted download or an edited pom triggers a fresh resolve instead of a half-filled classpath.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../cache.ts';
import { EngineError } from '../../errors.ts';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
const pomPath = new URL('./pom.xml', import.meta.url).pathname;

export function libsDir(): string {
  return join(process.env.STREAMLAKE_KAFKA_CACHE ?? cacheDir('kafka'), 'libs');
}

/** Throws one clear line when a required command is not installed. */
export function requireCommand(command: 'java' | 'mvn' | 'openssl', why: string): void {
  const probe = spawnSync(command, [command === 'openssl' ? 'version' : '-version'], { stdio: 'ignore' });
  if (probe.error) {
    throw new EngineError('ENG_KAFKA_BROKER', `\`${command}\` was not found on PATH: it is needed ${why}.`);
  }
}

/** Resolves the jars if needed and returns the classpath glob for `java -cp`. */
export async function ensureJars(log: (line: string) => void = () => {}): Promise<string> {
  const dir = libsDir();
  const marker = join(dir, '.resolved');
  const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return join(dir, '*');
  requireCommand('mvn', 'once, to download the Kafka broker jars from Maven Central');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`resolving Apache Kafka jars from Maven Central into ${dir}`);
  const output: Buffer[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn('mvn', ['-B', '-q', '-f', pomPath, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.on('error', () => resolve(-1));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    const tail = Buffer.concat(output).toString('utf8').trim().split('\n').slice(-15).join('\n');
    throw new EngineError('ENG_KAFKA_BROKER', `Maven could not resolve the Kafka broker jars (exit ${code}):\n${tail}`);
  }
  writeFileSync(marker, pomHash);
  return join(dir, '*');
}
