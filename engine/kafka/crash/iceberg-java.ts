// Reads lake tables with Apache Iceberg Java 1.10 (engine/lake/java/ReadIceberg.java, the reader the
// compatibility test uses, sharing its Maven cache), so the crash matrix checks what another engine sees
// rather than what our own scan returns. The first use downloads the jars (several minutes, once).
import { spawn, spawnSync } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, contentKey } from '../../cache.ts';

const JAVA_DIR = path.join(import.meta.dirname, '..', '..', 'lake', 'java');
const SOURCE = path.join(JAVA_DIR, 'ReadIceberg.java');
// Shares the jar folder of the compatibility test (same pom, same hash); classes follow this one source.
const LIB = cacheDir('iceberg-java', `lib-${contentKey([path.join(JAVA_DIR, 'pom.xml')])}`);
const CLASSES = cacheDir('iceberg-java', `reader-${contentKey([SOURCE])}`);

/** A row as ReadIceberg prints it: timestamps as {timestampMicros}, longs and doubles as numbers. */
export type JavaRow = Record<string, unknown>;

export interface JavaTable {
  rows: JavaRow[];
  snapshots: { snapshotId: number; operation: string; summary: Record<string, string> }[];
}

function exec(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: JAVA_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

let ready: Promise<void> | null = null;

/** Downloads Iceberg Java with Maven (once) and compiles the reader (when its source changed). */
export function prepareIcebergJava(log: (line: string) => void): Promise<void> {
  ready ??= (async () => {
    const missing = ['mvn', 'java', 'javac'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined);
    if (missing.length) throw new Error(`reading the lake with Iceberg Java needs Java 17 and Maven on PATH; missing: ${missing.join(', ')}`);
    const marker = path.join(LIB, '.complete');
    if (!(await exists(marker))) {
      log('downloading Apache Iceberg 1.10.0 jars from Maven Central (first run only)…');
      const r = await exec('mvn', ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`, '-DincludeScope=runtime']);
      if (r.code !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
      await writeFile(marker, 'ok');
    }
    const compiled = path.join(CLASSES, 'ReadIceberg.class');
    if (!(await exists(compiled))) {
      await mkdir(CLASSES, { recursive: true });
      const r = await exec('javac', ['-cp', `${LIB}/*`, '-d', CLASSES, SOURCE]);
      if (r.code !== 0) throw new Error(`javac ReadIceberg.java failed: ${r.stderr}`);
    }
  })();
  return ready;
}

/** The main branch of each table directory, as Iceberg Java reads it (one JVM for all). */
export async function readWithIcebergJava(tableDirs: readonly string[]): Promise<JavaTable[]> {
  const r = await exec('java', ['-cp', `${CLASSES}:${LIB}/*`, 'ReadIceberg', ...tableDirs]);
  if (r.code !== 0) {
    throw new Error(`Iceberg Java could not read ${tableDirs.join(' ')}:\n${r.stderr.split('\n').filter((l) => !/ INFO | WARN /.test(l)).slice(0, 40).join('\n')}`);
  }
  return JSON.parse(r.stdout) as JavaTable[];
}

/** Epoch ms of a timestamp value as ReadIceberg prints it. */
export function javaTimestampMs(value: unknown): number {
  if (value && typeof value === 'object' && 'timestampMicros' in value) return Number((value as { timestampMicros: number }).timestampMicros) / 1000;
  throw new Error(`not a timestamp from Iceberg Java: ${JSON.stringify(value)}`);
}
