// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import type { KafkaConnectionInfo } from '../../../engine/api/contract.ts';
import { connectionChoices } from './kafka-choices.ts';

function saved(name: string, brokers: string[]): KafkaConnectionInfo {
  return { name, brokers, security: 'plaintext', hasPassword: false, hasClientKey: false };
}

test('saved connections come first, then the local default', () => {
  const choices = connectionChoices([saved('prod', ['kafka-1:9092', 'kafka-2:9092'])], '');
  assert.deepEqual(choices.map((c) => [c.name, c.detail, c.saved]), [
    ['prod', 'kafka-1:9092, kafka-2:9092', true],
    ['local', 'default: the local development broker', false],
  ]);
});

test('a saved connection named local replaces the default', () => {
  const choices = connectionChoices([saved('local', ['127.0.0.1:19092'])], 'local');
  assert.deepEqual(choices.map((c) => [c.name, c.saved]), [['local', true]]);
});

test('a name the pipeline uses but this machine has not saved stays choosable', () => {
  const choices = connectionChoices([], 'staging');
  assert.deepEqual(choices.map((c) => [c.name, c.detail]), [
    ['local', 'default: the local development broker'],
    ['staging', 'not saved on this machine'],
  ]);
});
