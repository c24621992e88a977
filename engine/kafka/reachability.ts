// Turns kafkajs' connection errors into one line a person reads on the node ("cannot reach
// 127.0.0.1:1: connection refused; retrying, attempt 3"), reported at every failed attempt, so an
// unreachable broker shows within a second instead of after kafkajs' retries give up (about 5 s each
// round). The lines pass on to the node's log unchanged.
import type { KafkaLog } from './connections.ts';

/** Plain words for the socket errors a broker address produces. */
const reasons: [RegExp, string][] = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ENOTFOUND|EAI_AGAIN/, 'host not found'],
  [/ETIMEDOUT|Connection timeout/i, 'connection timed out'],
  [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
  [/ECONNRESET/, 'connection reset'],
];

export class Reachability {
  private attempts = 0;
  private troubled = false;

  constructor(private readonly brokers: readonly string[], private readonly report: ((problem: string | null) => void) | undefined) {}

  /** The node's log, watching each line for a failed connection attempt. */
  wrap(log: KafkaLog): KafkaLog {
    return (level, message) => {
      this.observe(message);
      log(level, message);
    };
  }

  /** A kafkajs log line; counts it when it is a failed connection attempt (not kafkajs' summary of one). */
  observe(message: string): void {
    if (!/Connection (error|timeout)/i.test(message) || /Failed to connect to seed broker/.test(message)) return;
    this.failed(message);
  }

  /** A connection attempt failed with this error text. */
  failed(text: string): void {
    const broker = /\(([^()\s]+:\d+)\)\s*$/.exec(text)?.[1] ?? /\b([\w.-]+:\d{1,5})\b/.exec(text)?.[1] ?? this.brokers.join(', ');
    const reason = reasons.find(([pattern]) => pattern.test(text))?.[1] ?? text.replace(/^.*?Connection error:\s*/, '');
    this.attempts++;
    this.troubled = true;
    this.report?.(`cannot reach ${broker}: ${reason}; retrying, attempt ${this.attempts}`);
  }

  /** The broker answered (connected, assigned, a batch arrived): any trouble shown is over. */
  reached(): void {
    this.attempts = 0;
    if (!this.troubled) return;
    this.troubled = false;
    this.report?.(null);
  }
}
