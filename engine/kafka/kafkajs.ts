// kafkajs is CommonJS without static named exports, so ESM code takes its values from the default export.
import kafkajs from 'kafkajs';

export const { Kafka, Partitioners, CompressionCodecs, CompressionTypes, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, ConfigResourceTypes } = kafkajs;
