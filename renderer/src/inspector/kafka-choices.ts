// What the Kafka nodes' connection picker offers: the saved connections, the built-in `local` connection
// (the development broker, always available by that name unless a saved one takes it), and the value
// the pipeline already names, so opening a pipeline from elsewhere never loses it.
import type { KafkaConnectionInfo } from '../../../engine/api/contract.ts';

/** The engine resolves this name to its development broker when no saved connection has it. */
export const localConnectionName = 'local';

export interface ConnectionChoice {
  name: string;
  /** Shown after the name: brokers, or why the entry is there. */
  detail: string;
  saved: boolean;
}

export function connectionChoices(saved: readonly KafkaConnectionInfo[], current: string): ConnectionChoice[] {
  const choices: ConnectionChoice[] = saved.map((c) => ({ name: c.name, detail: c.brokers.join(', '), saved: true }));
  if (!saved.some((c) => c.name === localConnectionName)) {
    choices.push({ name: localConnectionName, detail: 'default: the local development broker', saved: false });
  }
  if (current !== '' && !choices.some((c) => c.name === current)) {
    choices.push({ name: current, detail: 'not saved on this machine', saved: false });
  }
  return choices;
}
