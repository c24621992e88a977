// The programs the test suite shells out to, checked before any test runs: a missing one is installed
// with apt-get when we can (root, like e2e/setup.ts does for Chromium), and otherwise named in one clear
// line, instead of surfacing later as a TypeError deep inside a test (spawnSync of a missing program
// returns `stdout: null`).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Tool {
  /** The command as the tests run it. */
  command: string;
  /** Arguments that make it print its version and exit 0 (any exit status counts as present). */
  probe: string[];
  /** The Debian package that provides it. */
  debianPackage: string;
  /** What needs it, for the message when it cannot be had. */
  neededFor: string;
  /** Does this test file (path and text) need it? */
  needed(file: string, text: string): boolean;
}

/** A file that starts a broker of its own or uses the suite's (named after Kafka, or using the helper). */
function usesBroker(file: string, text: string): boolean {
  return /kafka/i.test(file) || /testing\/kafka(\.ts)?['"]/.test(text);
}

/** A file that starts an OpenSearch test node, or uses the suite's shared one (which the suite starts). */
function usesOpenSearch(text: string): boolean {
  return /startOpenSearch\(|useTestOpenSearch\(/.test(text);
}

export const suiteTools: readonly Tool[] = [
  { command: 'kcat', probe: ['-V'], debianPackage: 'kcat', neededFor: 'the Kafka tests (an independent reader and writer of topics)', needed: (_f, text) => /['"]kcat['"]|testing\/kcat(\.ts)?['"]/.test(text) },
  { command: 'java', probe: ['-version'], debianPackage: 'openjdk-17-jdk-headless', neededFor: 'the Kafka broker and the Iceberg Java reader', needed: (file, text) => usesBroker(file, text) || /compat\.test\.ts$/.test(file) },
  { command: 'javac', probe: ['-version'], debianPackage: 'openjdk-17-jdk-headless', neededFor: 'the Iceberg Java reader', needed: (file) => /compat\.test\.ts$/.test(file) },
  { command: 'mvn', probe: ['-v'], debianPackage: 'maven', neededFor: 'the Kafka broker jars and the Iceberg Java reader (from Maven Central)', needed: (file, text) => usesBroker(file, text) || /compat\.test\.ts$/.test(file) },
  { command: 'openssl', probe: ['version'], debianPackage: 'openssl', neededFor: 'the TLS certificates of the test broker', needed: (file, text) => usesBroker(file, text) || /['"]openssl['"]/.test(text) },
  // sink.opensearch: the test node comes from Maven Central as a zip and runs on Java 17 (engine/sinks/opensearch/server.ts)
  { command: 'mvn', probe: ['-v'], debianPackage: 'maven', neededFor: 'the OpenSearch test node (from Maven Central)', needed: (_f, text) => usesOpenSearch(text) },
  { command: 'java', probe: ['-version'], debianPackage: 'openjdk-17-jdk-headless', neededFor: 'the OpenSearch test node', needed: (_f, text) => usesOpenSearch(text) },
  { command: 'unzip', probe: ['-v'], debianPackage: 'unzip', neededFor: 'unpacking the OpenSearch test node', needed: (_f, text) => usesOpenSearch(text) },
];

/** Is the command on PATH and runnable? */
export function available(tool: Pick<Tool, 'command' | 'probe'>, env: NodeJS.ProcessEnv = process.env): boolean {
  const result = spawnSync(tool.command, tool.probe, { stdio: 'ignore', env, timeout: 30_000 });
  return result.error === undefined;
}

/** The tools these test files need, each once, in the order of `tools`. */
export function toolsFor(files: readonly string[], tools: readonly Tool[] = suiteTools, read: (file: string) => string = readText): Tool[] {
  const texts = files.map((file) => ({ file, text: read(file) }));
  return tools.filter((tool) => texts.some(({ file, text }) => tool.needed(file, text)));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

/** apt-get install, retried once after apt-get update (a fresh image has no package lists). */
export async function aptInstall(packages: readonly string[]): Promise<boolean> {
  const args = ['install', '-y', '--no-install-recommends', ...packages];
  if ((await run('apt-get', args)) === 0) return true;
  return (await run('apt-get', ['update'])) === 0 && (await run('apt-get', args)) === 0;
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** May we install with apt-get? Default: when running as root. */
  canInstall?: boolean;
  install?: (packages: readonly string[]) => Promise<boolean>;
  log?: (line: string) => void;
}

/**
 * Makes sure every tool is there, installing the missing ones where allowed. Resolves with one line per
 * tool that still cannot be had (empty when all are present).
 */
export async function ensureTools(tools: readonly Tool[], options: EnsureOptions = {}): Promise<string[]> {
  const env = options.env ?? process.env;
  const missing = tools.filter((tool) => !available(tool, env));
  if (missing.length === 0) return [];
  const canInstall = options.canInstall ?? process.getuid?.() === 0;
  const packages = [...new Set(missing.map((t) => t.debianPackage))];
  if (canInstall) {
    options.log?.(`Missing ${missing.map((t) => t.command).join(', ')}; installing ${packages.join(' ')} with apt-get…`);
    await (options.install ?? aptInstall)(packages);
  }
  return missing
    .filter((tool) => !canInstall || !available(tool, env))
    .map((tool) => `${tool.command} is not installed and ${canInstall ? 'apt-get could not install it' : 'cannot be installed without root'}; it is needed for ${tool.neededFor}. Install it with: sudo apt-get install -y ${tool.debianPackage}`);
}
