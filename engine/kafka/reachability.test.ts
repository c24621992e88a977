import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reachability } from './reachability.ts';

test('each failed connection attempt is one plain line; the summary line is not counted twice; reaching clears it', () => {
  const reports: (string | null)[] = [];
  const logged: string[] = [];
  const reach = new Reachability(['127.0.0.1:1'], (p) => reports.push(p));
  const log = reach.wrap((_level, message) => logged.push(message));
  // The lines kafkajs logs for a refused connection, as engine/kafka/connections.ts formats them.
  for (let i = 0; i < 3; i++) {
    log('error', 'kafkajs Connection: Connection error: connect ECONNREFUSED 127.0.0.1:1 (127.0.0.1:1)');
    log('error', 'kafkajs BrokerPool: Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:1');
  }
  assert.equal(logged.length, 6, 'every line still reaches the log');
  assert.deepEqual(reports, [1, 2, 3].map((n) => `cannot reach 127.0.0.1:1: connection refused; retrying, attempt ${n}`));
  reach.reached();
  reach.reached();
  assert.deepEqual(reports.slice(3), [null], 'cleared once');
  log('error', 'kafkajs Connection: Connection error: getaddrinfo ENOTFOUND nowhere.invalid (nowhere.invalid:9092)');
  assert.equal(reports.at(-1), 'cannot reach nowhere.invalid:9092: host not found; retrying, attempt 1');
});
