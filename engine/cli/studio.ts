// `streamlake studio`: the studio in the browser, served by the local web host (engine/host).
import { createStudioService } from '../api/service.ts';
import { ensureRenderer, openInBrowser } from '../host/launch.ts';
import { startWebHost } from '../host/server.ts';
import type { WebHost } from '../host/server.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { defaultLakeDir, streamlakeHome } from './home.ts';

/** A fixed default, so the address stays the same between launches (the token does not). */
export const defaultStudioPort = 5170;

export const studioFlags = {
  port: { type: 'number', description: 'P' },
  'no-open': { type: 'boolean' },
  lake: { type: 'string', description: 'DIR' },
} as const;

export const studioOptionsHelp = `Options:
  --port P      Port on 127.0.0.1 (default ${defaultStudioPort}; a free one if that is taken; 0 = any free port)
  --no-open     Do not open a browser, only print the URL
  --lake DIR    Lake folder (default $STREAMLAKE_HOME/lake)
`;

export const studio: Command = {
  name: 'studio',
  summary: 'Open the studio in your browser (local web host on 127.0.0.1)',
  usage: `Usage: streamlake studio [--port P] [--no-open] [--lake DIR]

Serves the studio at http://127.0.0.1:P and prints the URL to open. The server listens on the loopback
interface only and every request needs the random token in that URL (a new one per launch), with Host and
Origin checks, so other local pages and websites cannot drive the engine. Builds the renderer first when
renderer/dist is missing or older than its sources.

Prometheus can scrape the running pipeline at /metrics with the metrics token it prints (read-only: it
opens /metrics and nothing else; set STREAMLAKE_METRICS_TOKEN to keep it stable for a scrape config).

${studioOptionsHelp}`,
  run: (argv) => serveStudio(argv),
};

/** Builds the renderer if needed, starts the web host and serves until SIGINT/SIGTERM. */
export async function serveStudio(argv: readonly string[]): Promise<number> {
  const { flags } = parseArgs(argv, studioFlags, { min: 0, max: 0, names: '' });
  const port = flags.port ?? defaultStudioPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${port}`);
  const homeDir = streamlakeHome();
  const lakeDir = flags.lake ?? defaultLakeDir();
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  await ensureRenderer(say);
  const service = createStudioService({ mode: 'browser', lakeDir, homeDir, metricsPath: '/metrics' });
  let host: WebHost;
  try {
    host = await startWebHost({ port, service });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || flags.port !== undefined) {
      await service.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        process.stderr.write(`Port ${port} on 127.0.0.1 is already in use; choose another with --port, or --port 0 for any free port\n`);
        return 1;
      }
      throw error;
    }
    host = await startWebHost({ port: 0, service });
    say(`Port ${port} is taken; using ${host.port} instead.`);
  }

  say(`Streamlake Studio (browser mode) · lake ${lakeDir}`);
  say(`Open: ${host.url}`);
  say(`Metrics: ${host.metricsUrl}  (header "Authorization: Bearer ${host.metricsToken}")`);
  say('Press Ctrl+C to stop.');
  if (!flags['no-open']) openInBrowser(host.url, say);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('Stopping: closing connections and stopping the pipeline (final checkpoint)…');
  await host.close();
  await service.close();
  return 0;
}
