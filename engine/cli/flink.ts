// `streamlake flink …`: saved Flink connections (SQL Gateway REST endpoints, $STREAMLAKE_HOME/flink.json,
// mode 0600), the layered connection test, and submitting / watching / stopping an exported job.
import { readFile } from 'node:fs/promises';
import { checkFlinkConnection } from '../flink/check.ts';
import { FlinkConnectionStore, flinkAuthHeaders, flinkConnectionFor, flinkSecretEnvVars } from '../flink/connections.ts';
import type { FlinkConnection } from '../flink/connections.ts';
import { FlinkGateway, substitute } from '../flink/gateway.ts';
import { exportFromHome } from '../flink/job.ts';
import { parsePipelineText } from '../format/pipeline.ts';
import { FileConnectionStore } from '../kafka/connections.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { defaultLakeDir, streamlakeHome } from './home.ts';
import { readStdinSecret } from './secret-input.ts';

const flags = {
  connection: { type: 'string', description: 'name or URL' },
  url: { type: 'string', description: 'URL' },
  user: { type: 'string', description: 'U' },
  'password-stdin': { type: 'boolean' },
  'token-stdin': { type: 'boolean' },
  lake: { type: 'string', description: 'DIR' },
  json: { type: 'boolean' },
} as const;

const usage = `Usage: streamlake flink <command> [options]

Connections (Flink SQL Gateway REST endpoints, kept in $STREAMLAKE_HOME/flink.json, mode 0600):
  connections                          List saved connections (secrets hidden)
  add <name> --url http(s)://host:8083 [--user U --password-stdin | --token-stdin]
                                       Save a connection. A token or user is for a proxy in front of the
                                       gateway (it has no login of its own); secrets are read from stdin,
                                       never an argument, or at run time from STREAMLAKE_FLINK_<NAME>_TOKEN
                                       or STREAMLAKE_FLINK_<NAME>_PASSWORD.
  remove <name>                        Delete a saved connection
  test <name|URL>                      Check DNS, TCP, TLS, that it is a SQL Gateway, and auth, in turn

Jobs (--connection takes a saved name or a gateway URL):
  submit <pipeline.json> --connection C [--lake DIR]
                                       Export the pipeline (as \`streamlake export flink\`), fill its
                                       \${ENV} placeholders from the environment and submit it
  status <job-id> --connection C       The job's status (RUNNING, FINISHED, FAILED, CANCELED…)
  stop <job-id> --connection C         Stop the job
`;

async function connectionOf(nameOrUrl: string | undefined): Promise<FlinkConnection> {
  if (!nameOrUrl) throw new UsageError('--connection is required (a saved Flink connection or a SQL Gateway URL)');
  return flinkConnectionFor(nameOrUrl, new FlinkConnectionStore(streamlakeHome()));
}

function gatewayOf(c: FlinkConnection): FlinkGateway {
  return new FlinkGateway({ endpoint: c.url, headers: flinkAuthHeaders(c) });
}

export const flink: Command = {
  name: 'flink',
  summary: 'Flink connections (SQL Gateway), and submit, status and stop of exported jobs',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { flags: f, positionals } = parseArgs(rest, flags, { min: 0, max: 1, names: 'one name, file or job id' });
    const arg = positionals[0];
    const store = new FlinkConnectionStore(streamlakeHome());
    const out = (line: string) => process.stdout.write(`${line}\n`);
    switch (sub) {
      case 'connections': {
        const list = await store.list();
        if (f.json) out(JSON.stringify(list.map((c) => ({ name: c.name, url: c.url, ...(c.user ? { user: c.user } : {}), hasPassword: c.password !== undefined, hasToken: c.token !== undefined }))));
        else if (list.length === 0) out(`no Flink connections in ${store.path}`);
        else for (const c of list) out(`${c.name}\t${c.url}${c.user ? `\tuser ${c.user}` : ''}${c.token ? '\ttoken stored' : ''}`);
        return 0;
      }
      case 'add': {
        if (!arg || !f.url) throw new UsageError('add needs a name and --url');
        if (f['password-stdin'] && !f.user) throw new UsageError('--password-stdin needs --user');
        if (f['token-stdin'] && f.user) throw new UsageError('use either --user (basic auth) or --token-stdin (bearer), not both');
        const secret = f['password-stdin'] || f['token-stdin'] ? await readStdinSecret() : undefined;
        await store.save({
          name: arg, url: f.url, ...(f.user ? { user: f.user } : {}),
          ...(secret && f.user ? { password: secret } : {}), ...(secret && !f.user ? { token: secret } : {}),
        });
        const vars = flinkSecretEnvVars(arg);
        out(`saved Flink connection ${arg} in ${store.path}${secret ? '' : f.user ? ` (password from ${vars.password} at run time)` : ''}`);
        return 0;
      }
      case 'remove': {
        if (!arg) throw new UsageError('remove needs a name');
        if (!(await store.delete(arg))) {
          process.stderr.write(`there is no Flink connection named ${arg}\n`);
          return 1;
        }
        out(`removed ${arg}`);
        return 0;
      }
      case 'test': {
        const c = await connectionOf(arg ?? f.connection);
        const result = await checkFlinkConnection(c);
        if (result.ok) out(`✓ ${result.product} ${result.version} SQL Gateway at ${c.url}`);
        else process.stderr.write(`✕ ${result.stage}: ${result.message}\n`);
        return result.ok ? 0 : 1;
      }
      case 'submit': {
        if (!arg) throw new UsageError('submit needs the pipeline file');
        const c = await connectionOf(f.connection);
        const parsed = parsePipelineText(await readFile(arg, 'utf8'));
        if (!parsed.ok) {
          process.stderr.write(`${arg} is not a valid pipeline:\n${parsed.problems.map((p) => `  ${p.path || '/'}  ${p.message}`).join('\n')}\n`);
          return 1;
        }
        const job = await exportFromHome(parsed.doc, { homeDir: streamlakeHome(), kafka: new FileConnectionStore(streamlakeHome()), lakeDir: f.lake ?? defaultLakeDir() });
        for (const p of job.problems) process.stderr.write(`${p.severity === 'differs' ? '~' : '✗'} ${p.node || 'pipeline'}: ${p.message}\n`);
        const { jobId, session } = await gatewayOf(c).submit(substitute(job.statements, process.env));
        out(f.json ? JSON.stringify({ jobId, session }) : `submitted job ${jobId}`);
        return 0;
      }
      case 'status':
      case 'stop': {
        if (!arg) throw new UsageError(`${sub} needs a job id`);
        const gateway = gatewayOf(await connectionOf(f.connection));
        if (sub === 'stop') {
          await gateway.inSession((session) => gateway.stop(session, arg));
          out(`stopping job ${arg}`);
        } else out(await gateway.inSession((session) => gateway.status(session, arg)));
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown flink command '${sub}'` : 'which flink command?');
    }
  },
};
