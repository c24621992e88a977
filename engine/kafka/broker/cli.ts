// `npm run kafka:up` / `npm run kafka:down`: the development broker, kept in $STREAMLAKE_HOME/kafka so it
// keeps its topics between runs. Port 9092 by default (STREAMLAKE_KAFKA_PORT to change it on first start).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isEngineError } from '../../errors.ts';
import { readBrokerState, runningBrokerPid, startBroker, stopBrokerByPidFile } from './broker.ts';

function home(): string {
  return process.env.STREAMLAKE_HOME ?? join(homedir(), '.streamlake');
}

async function main(command: string | undefined): Promise<number> {
  const dataDir = join(home(), 'kafka');
  if (command === 'up') {
    const pid = runningBrokerPid(dataDir);
    const state = readBrokerState(dataDir);
    if (pid && state) {
      console.log(`Kafka is already running (pid ${pid}): bootstrap ${state.host}:${state.ports.port}`);
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
    return 0;
  }
  if (command === 'down') {
    const stopped = await stopBrokerByPidFile(dataDir);
    console.log(stopped ? 'Kafka broker stopped' : 'No development Kafka broker is running');
    return 0;
  }
  console.error('usage: cli.ts up|down');
  return 2;
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  console.error(isEngineError(error) ? error.message : error);
  process.exitCode = 1;
}
