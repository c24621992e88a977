// server.properties and the log4j2 configuration for a single-node KRaft broker bound to loopback only.
export interface BrokerLayout {
  host: string;
  port: number;
  controllerPort: number;
  /** Absent: no SASL_SSL listener. */
  saslSsl?: { port: number; keystorePath: string; keystorePassword: string; plainUsers: Record<string, string> };
  logDirs: string;
  extra?: Record<string, string>;
}

export function serverProperties(layout: BrokerLayout): string {
  const { host, port, controllerPort, saslSsl } = layout;
  const listeners = [`PLAINTEXT://${host}:${port}`, `CONTROLLER://${host}:${controllerPort}`];
  const protocols = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT'];
  if (saslSsl) {
    listeners.push(`SASL_SSL://${host}:${saslSsl.port}`);
    protocols.push('SASL_SSL:SASL_SSL');
  }
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': `${host}:${controllerPort}`,
    listeners: listeners.join(','),
    'advertised.listeners': listeners.join(','),
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': protocols.join(','),
    'log.dirs': layout.logDirs,
    'num.partitions': '1',
    // Internal topics with 50 partitions each make the first consumer group slow to appear on 2 cores.
    'offsets.topic.num.partitions': '5',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.num.partitions': '3',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    // Room for the "oversized message" case: the engine's own per-message limit is lower than the broker's.
    'message.max.bytes': '8388608',
    'replica.fetch.max.bytes': '8388608',
    // Authorization is on (with an open default) so a connection test can meet a real ACL denial.
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'true',
    'super.users': 'User:ANONYMOUS',
  };
  if (saslSsl) {
    const plain = Object.entries(saslSsl.plainUsers).map(([u, p]) => `user_${u}="${p}"`).join(' ');
    Object.assign(props, {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plain};`,
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': saslSsl.keystorePath,
      'ssl.keystore.password': saslSsl.keystorePassword,
      'ssl.key.password': saslSsl.keystorePassword,
    });
  }
  Object.assign(props, layout.extra ?? {});
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/** INFO to stdout (the readiness line is logged at INFO); the caller sends stdout to a file. */
export const log4j2Properties = `status = error
name = streamlake-broker
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

export const toolsLog4j2Properties = `status = error
name = streamlake-tools
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
`;
