// The sink's side of the registry: which schema a row is written with. Either the schema is derived from
// the rows (registered under the subject the naming strategy gives; a batch bringing new columns registers
// the next version, the old columns first and unchanged, so the subject's compatibility rule decides), or a
// chosen subject and version is used as it is. A registry refusal fails the write with the registry's reason.
import type avro from 'avsc';
import { EngineError } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';
import { encodeJson } from '../formats.ts';
import type { RegistryClient } from '../registry/client.ts';
import { avroType, encodeAvroBody } from './avro.ts';
import type { Column, SchemaFormat } from './infer.ts';
import { inferColumns, recordName, schemaFor, schemaTypeOf } from './infer.ts';
import { ProtobufSchema } from './protobuf.ts';
import type { SubjectStrategy } from './subjects.ts';
import { subjectName } from './subjects.ts';
import { frame } from './wire.ts';

export interface SchemaWriterConfig {
  format: SchemaFormat;
  topic: string;
  /** Subject naming strategy for derived schemas (default topic). */
  subjectStrategy?: SubjectStrategy;
  /** Record (message) name of derived schemas, may carry a namespace: com.acme.Order. Default <topic>_value. */
  recordName?: string;
  /** Write with this subject's registered schema instead of deriving one. */
  subject?: string;
  /** The version of `subject` (default latest). */
  schemaVersion?: number;
}

type Encode = (row: Row) => Buffer;

function encoderFor(format: SchemaFormat, schema: string, id: number): Encode {
  if (format === 'avro') {
    const type: avro.Type = avroType(schema);
    return (row) => frame(id, encodeAvroBody(type, row));
  }
  if (format === 'protobuf') {
    const proto = new ProtobufSchema(schema);
    return (row) => frame(id, proto.encode(row), proto.writeIndexes);
  }
  return (row) => frame(id, encodeJson(row));
}

export class SchemaWriter {
  private columns: Column[] = [];
  private encode: Encode | undefined;
  /** The subject and schema id in use, once known. */
  subject: string | undefined;
  schemaId: number | undefined;

  constructor(private readonly config: SchemaWriterConfig, private readonly registry: RegistryClient) {}

  /** Makes sure the schema in use covers these rows; call before encoding them. */
  async prepare(rows: readonly Row[]): Promise<void> {
    const { format } = this.config;
    if (this.config.subject) {
      if (this.encode) return;
      const version = this.config.schemaVersion ?? 'latest';
      const found = await this.registry.version(this.config.subject, version);
      if (!found) throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry has no version ${version} of subject "${this.config.subject}"`);
      if (found.schemaType !== schemaTypeOf(format)) {
        throw new EngineError('ENG_REGISTRY_REQUEST', `Subject "${this.config.subject}" holds a ${found.schemaType} schema, but the sink writes ${format}`);
      }
      this.subject = found.subject;
      this.schemaId = found.id;
      this.encode = encoderFor(format, found.schema, found.id);
      return;
    }
    const columns = inferColumns(rows, this.columns);
    if (this.encode && columns.length === this.columns.length) return;
    const record = this.config.recordName ?? `${this.config.topic}_value`;
    const subject = subjectName(this.config.subjectStrategy ?? 'topic', this.config.topic, recordName(record).fullName);
    const schema = schemaFor(format, columns, record);
    const id = await this.registry.register(subject, schema, schemaTypeOf(format));
    this.columns = columns;
    this.subject = subject;
    this.schemaId = id;
    this.encode = encoderFor(format, schema, id);
  }

  /** The framed value of a row; prepare() must have seen it. */
  value(row: Row): Buffer {
    if (!this.encode) throw new EngineError('ENG_RUN_NODE', 'SchemaWriter.value before prepare');
    return this.encode(row);
  }
}
