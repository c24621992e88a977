// `npm run kafka:up` / `npm run kafka:down`: the development broker, kept in $STREAMLAKE_HOME/kafka so it
// keeps its topics between runs. Port 9092 by default (STREAMLAKE_KAFKA_PORT to change it on first start).
// `up` also starts the schema registry (Apicurio, $STREAMLAKE_HOME/registry, port 8081 or
// STREAMLAKE_REGISTRY_PORT) unless given --no-registry; `down` stops both.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isEngineError } from '../../errors.ts';
import { runningRegistry, startRegistry, stopRegistryByPidFile } from '../registry/apicurio.ts';
import { readBrokerState, runningBrokerPid, startBroker, stopBrokerByPidFile } from './broker.ts';

function home(): string {
  return process.env.STREAMLAKE_HOME ?? join(homedir(), '.streamlake');
}

async function registryUp(): Promise<void> {
  const dataDir = join(home(), 'registry');
  const running = runningRegistry(dataDir);
  if (running) {
    console.log(`The schema registry is already running (pid ${running.pid}): ${running.url}`);
    return;
  }
  const registry = await startRegistry({ dataDir, port: Number(process.env.STREAMLAKE_REGISTRY_PORT ?? 8081), detached: true, log: (l) => console.log(l) });
  console.log(`Schema registry is up: ${registry.url} (log ${registry.logPath}); connections use it as their schema registry URL`);
}

async function main(command: string | undefined, flags: string[]): Promise<number> {
  const dataDir = join(home(), 'kafka');
  if (command === 'up') {
    const withRegistry = !flags.includes('--no-registry');
    const pid = runningBrokerPid(dataDir);
    const state = readBrokerState(dataDir);
    if (pid && state) {
      console.log(`Kafka is already running (pid ${pid}): bootstrap ${state.host}:${state.ports.port}`);
      if (withRegistry) await registryUp();
      return 0;
    }
    const port = Number(process.env.STREAMLAKE_KAFKA_PORT ?? 9092);
    const broker = await startBroker({
      dataDir, port, controllerPort: port + 1, saslSslPort: port + 2, detached: true, log: (l) => console.log(l),
    });
    console.log(`Kafka is up: bootstrap ${broker.bootstrap}`);
    if (broker.saslSsl) {
      console.log(`SASL_SSL ${broker.saslSsl.bootstrap}, CA ${broker.saslSsl.caPath}, user ${broker.saslSsl.username} (password in ${join(dataDir, 'broker.json')})`);
    }
    console.log(`log: ${broker.logPath}; stop with npm run kafka:down`);
    if (withRegistry) await registryUp();
    return 0;
  }
  if (command === 'down') {
    const stopped = await stopBrokerByPidFile(dataDir);
    console.log(stopped ? 'Kafka broker stopped' : 'No development Kafka broker is running');
    if (await stopRegistryByPidFile(join(home(), 'registry'))) console.log('Schema registry stopped');
    return 0;
  }
  console.error('usage: cli.ts up [--no-registry] | down');
  return 2;
}

try {
  process.exitCode = await main(process.argv[2], process.argv.slice(3));
} catch (error) {
  console.error(isEngineError(error) ? error.message : error);
  process.exitCode = 1;
}
