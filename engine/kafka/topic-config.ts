// A topic's configuration as the broker reports it, and changing its overrides. kafkajs speaks only the
// legacy AlterConfigs request, which replaces every override of the topic with the set it is given, so a
// change is applied to the overrides read just before: keys set to null go back to the broker default,
// the others are kept.
import type { Admin } from 'kafkajs';
import { EngineError } from '../errors.ts';
import { ConfigResourceTypes } from './kafkajs.ts';

/** kafkajs ConfigSource.TOPIC_CONFIG: a value set on the topic itself. */
const topicOverride = 1;

export interface TopicConfigEntry {
  name: string;
  /** Null for a sensitive value, which the broker never returns. */
  value: string | null;
  /** Set on this topic (an override), as opposed to inherited from the broker or Kafka's default. */
  overridden: boolean;
  readOnly: boolean;
  sensitive: boolean;
}

export async function describeTopicConfig(admin: Admin, topic: string): Promise<TopicConfigEntry[]> {
  const response = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  const resource = response.resources[0];
  if (!resource || resource.errorCode !== 0) {
    throw new EngineError('ENG_HOST_NOT_FOUND', `The configuration of topic "${topic}" could not be read${resource?.errorMessage ? `: ${resource.errorMessage}` : ''}`);
  }
  return resource.configEntries
    .map((e) => ({ name: e.configName, value: e.isSensitive ? null : e.configValue, overridden: e.configSource === topicOverride, readOnly: e.readOnly, sensitive: e.isSensitive }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Sets (string) or removes (null) topic-level overrides; returns the configuration after the change. */
export async function alterTopicConfig(admin: Admin, topic: string, changes: Record<string, string | null>): Promise<TopicConfigEntry[]> {
  const current = await describeTopicConfig(admin, topic);
  const known = new Map(current.map((e) => [e.name, e]));
  const overrides = new Map(current.filter((e) => e.overridden && e.value !== null).map((e) => [e.name, e.value as string]));
  for (const [name, value] of Object.entries(changes)) {
    const entry = known.get(name);
    if (!entry) throw new EngineError('ENG_HOST_REQUEST', `"${name}" is not a configuration of topic "${topic}"`, { name });
    if (entry.readOnly) throw new EngineError('ENG_HOST_REQUEST', `"${name}" is read-only on topic "${topic}"`, { name });
    if (value === null) overrides.delete(name);
    else overrides.set(name, value);
  }
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [...overrides].map(([name, value]) => ({ name, value })) }],
    });
  } catch (error) {
    throw new EngineError('ENG_HOST_REQUEST', `Kafka refused the configuration of topic "${topic}": ${(error as Error).message}`);
  }
  return describeTopicConfig(admin, topic);
}
