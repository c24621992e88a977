// Subject naming strategies, as the Confluent serializers name them: where a topic's value schemas live.
//   topic        <topic>-value          one schema (and its versions) per topic
//   record       <record full name>     one subject per record type, shared by every topic that carries it
//   topic-record <topic>-<record name>  several record types in one topic, each with its own history
export const subjectStrategies = ['topic', 'record', 'topic-record'] as const;
export type SubjectStrategy = (typeof subjectStrategies)[number];

export function subjectName(strategy: SubjectStrategy, topic: string, recordFullName: string): string {
  switch (strategy) {
    case 'record': return recordFullName;
    case 'topic-record': return `${topic}-${recordFullName}`;
    default: return `${topic}-value`;
  }
}
