// kafkajs is CommonJS without static named exports, so ESM code takes its values from the default export.
// records.ts and sink/{grouping,produce-request}.ts must run first: they swap kafkajs internals before
// kafkajs loads them.
import './records.ts';
import './sink/grouping.ts';
import './sink/produce-request.ts';
import kafkajs from 'kafkajs';

export const { Kafka, Partitioners, CompressionCodecs, CompressionTypes, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, ConfigResourceTypes } = kafkajs;
