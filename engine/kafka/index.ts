// Kafka in the engine: importing this registers source.kafka and sink.kafka. The public API for other
// areas (hosts, CLI, studio) is re-exported here.
import './source.ts';
import './sink.ts';

export { startBroker } from './broker/broker.ts';
export type { BrokerHandle, BrokerOptions } from './broker/broker.ts';
export type { ConnectionConfig, ConnectionStore, SaslMechanism } from './connections.ts';
export { FileConnectionStore, LOCAL_CONNECTION, localConnection, parseConnection, passwordEnvVar, redactConnection, resolveConnection } from './connections.ts';
export type { ConnectionStage, ConnectionTestResult } from './check.ts';
export { testConnection } from './check.ts';
export { connectionFor, connectionStore, setConnectionStore } from './store.ts';
export { KafkaSource } from './source.ts';
export type { KafkaSourceOptions } from './source.ts';
export { KafkaSink } from './sink.ts';
export { startRegistry } from './registry/apicurio.ts';
export { LagSampler, TopicBrowser } from './browser.ts';
export type { GroupInfo, GroupPartitionLag, LagSample, PartitionInfo, PeekedMessage, PeekRequest, TopicInfo } from './browser.ts';
