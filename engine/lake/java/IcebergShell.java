// Apache Iceberg Java (1.10.0) as a co-writer for engine/lake/cowrite.test.ts: one JVM that reads
// commands from stdin, one JSON array per line, and answers each with one JSON line
// ({"ok":...} or {"error":"..."}), so a test can interleave Java's writes with the engine's at the cost
// of a single JVM start.
//
// Commands (dir = table folder):
//   ["read", request...]                          ReadIceberg's description of each request (see there)
//   ["create", dir, schemaJson, partitionSpecJson] a new format-v2 table (Iceberg JSON for both)
//   ["append", dir, rowsJson]                     one data file per partition of the current spec
//   ["renameColumn", dir, from, to]
//   ["addColumn", dir, name, type]                optional column of a primitive type
//   ["addPartitionField", dir, transform, column]  identity | day | hour | bucket[N] | truncate[W]
//   ["positionDelete", dir, idColumn, id...]      merge-on-read: position deletes for the rows with these ids
//   ["equalityDelete", dir, column, value...]     merge-on-read: equality deletes (spec 0's partition)
//   ["equalityDeleteIn", dir, column, rowsJson]   equality deletes on `column` in the current spec, each in the
//                                                 partition of its row (they apply to that partition only)
//   ["tag", dir, name] / ["branch", dir, name]    at the current snapshot
//   ["expire", dir, retainLast]                   expire all but the last N snapshots, deleting their files
//   ["hint", dir]                                 reads metadata/version-hint.text through Hadoop's checked local FS
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

public class IcebergShell {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Configuration CONF = new Configuration();
  static final HadoopTables TABLES = new HadoopTables(CONF);

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String answer;
      try {
        JsonNode cmd = JSON.readTree(line);
        answer = "{\"ok\":" + run(cmd) + "}";
      } catch (Throwable e) {
        StringBuilder why = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) why.append(" <- ").append(c);
        answer = "{\"error\":" + ReadIceberg.str(why.toString()) + "}";
      }
      System.out.println(answer);
      System.out.flush();
    }
  }

  static String run(JsonNode cmd) throws Exception {
    String op = cmd.get(0).asText();
    if (op.equals("read")) {
      StringBuilder out = new StringBuilder("[");
      for (int i = 1; i < cmd.size(); i++) {
        if (i > 1) out.append(',');
        out.append(ReadIceberg.describeRequest(TABLES, cmd.get(i).asText()));
      }
      return out.append(']').toString();
    }
    String dir = cmd.get(1).asText();
    switch (op) {
      case "create": {
        Schema schema = SchemaParser.fromJson(cmd.get(2).asText());
        PartitionSpec spec = PartitionSpecParser.fromJson(schema, cmd.get(3).asText());
        Map<String, String> props = new HashMap<>();
        props.put("format-version", "2");
        TABLES.create(schema, spec, props, dir);
        return "null";
      }
      case "append": {
        Table t = TABLES.load(dir);
        AppendFiles append = t.newAppend();
        for (DataFile f : writeRows(t, JSON.readTree(cmd.get(2).asText()))) append.appendFile(f);
        append.commit();
        return Long.toString(t.currentSnapshot().snapshotId());
      }
      case "renameColumn": {
        Table t = TABLES.load(dir);
        t.updateSchema().renameColumn(cmd.get(2).asText(), cmd.get(3).asText()).commit();
        return "null";
      }
      case "addColumn": {
        Table t = TABLES.load(dir);
        t.updateSchema().addColumn(cmd.get(2).asText(), Types.fromPrimitiveString(cmd.get(3).asText())).commit();
        return "null";
      }
      case "addPartitionField": {
        Table t = TABLES.load(dir);
        String transform = cmd.get(2).asText();
        String column = cmd.get(3).asText();
        UpdatePartitionSpec update = t.updateSpec();
        if (transform.equals("identity")) update.addField(column);
        else if (transform.equals("day")) update.addField(Expressions.day(column));
        else if (transform.equals("hour")) update.addField(Expressions.hour(column));
        else if (transform.startsWith("bucket[")) update.addField(Expressions.bucket(column, Integer.parseInt(transform.substring(7, transform.length() - 1))));
        else if (transform.startsWith("truncate[")) update.addField(Expressions.truncate(column, Integer.parseInt(transform.substring(9, transform.length() - 1))));
        else throw new IllegalArgumentException("transform " + transform);
        update.commit();
        return "null";
      }
      case "positionDelete": return positionDelete(dir, cmd.get(2).asText(), longs(cmd, 3));
      case "equalityDelete": return equalityDelete(dir, cmd.get(2).asText(), longs(cmd, 3));
      case "equalityDeleteIn": return equalityDeleteIn(dir, cmd.get(2).asText(), JSON.readTree(cmd.get(3).asText()));
      case "tag": {
        Table t = TABLES.load(dir);
        t.manageSnapshots().createTag(cmd.get(2).asText(), t.currentSnapshot().snapshotId()).commit();
        return "null";
      }
      case "branch": {
        Table t = TABLES.load(dir);
        t.manageSnapshots().createBranch(cmd.get(2).asText(), t.currentSnapshot().snapshotId()).commit();
        return "null";
      }
      case "expire": {
        Table t = TABLES.load(dir);
        List<String> deleted = new ArrayList<>();
        t.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(cmd.get(2).asInt()).deleteWith(deleted::add).commit();
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < deleted.size(); i++) out.append(i > 0 ? "," : "").append(ReadIceberg.str(deleted.get(i)));
        return out.append(']').toString();
      }
      case "hint": {
        // FileSystem.getLocal is Hadoop's checksummed LocalFileSystem: it verifies .version-hint.text.crc
        FileSystem fs = FileSystem.getLocal(CONF);
        try (FSDataInputStream s = fs.open(new Path(dir, "metadata/version-hint.text"))) {
          return ReadIceberg.str(new String(s.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      default:
        throw new IllegalArgumentException("unknown command " + op);
    }
  }

  static long[] longs(JsonNode cmd, int from) {
    long[] out = new long[cmd.size() - from];
    for (int i = from; i < cmd.size(); i++) out[i - from] = cmd.get(i).asLong();
    return out;
  }

  static Object value(Type type, JsonNode v) {
    if (v == null || v.isNull()) return null;
    switch (type.typeId()) {
      case LONG: return v.asLong();
      case INTEGER: return v.asInt();
      case DOUBLE: return v.asDouble();
      case FLOAT: return (float) v.asDouble();
      case BOOLEAN: return v.asBoolean();
      case STRING: return v.asText();
      case TIMESTAMP: return OffsetDateTime.parse(v.asText());
      default: throw new IllegalArgumentException("type " + type + " is not supported by the shell");
    }
  }

  static Record record(Schema schema, JsonNode row) {
    GenericRecord r = GenericRecord.create(schema);
    for (Types.NestedField f : schema.columns()) r.setField(f.name(), value(f.type(), row.get(f.name())));
    return r;
  }

  static OutputFile newFile(Table t, PartitionSpec spec, StructLike partition) {
    String name = "java-" + UUID.randomUUID() + ".parquet";
    String location = partition == null || spec.isUnpartitioned() ? t.locationProvider().newDataLocation(name) : t.locationProvider().newDataLocation(spec, partition, name);
    return t.io().newOutputFile(location);
  }

  /** One data file per partition of the current spec. */
  static List<DataFile> writeRows(Table t, JsonNode rows) throws Exception {
    Schema schema = t.schema();
    PartitionSpec spec = t.spec();
    GenericAppenderFactory factory = new GenericAppenderFactory(schema, spec);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    Map<PartitionKey, List<Record>> groups = new HashMap<>();
    for (JsonNode row : rows) {
      Record r = record(schema, row);
      PartitionKey key = new PartitionKey(spec, schema);
      key.partition(wrapper.wrap(r));
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    List<DataFile> out = new ArrayList<>();
    for (Map.Entry<PartitionKey, List<Record>> g : groups.entrySet()) {
      StructLike partition = spec.isUnpartitioned() ? null : g.getKey();
      DataWriter<Record> w = factory.newDataWriter(EncryptedFiles.plainAsEncryptedOutput(newFile(t, spec, partition)), FileFormat.PARQUET, partition);
      try {
        for (Record r : g.getValue()) w.write(r);
      } finally {
        w.close();
      }
      out.add(w.toDataFile());
    }
    return out;
  }

  /** Position deletes for the current rows whose `column` is one of `ids`, one delete file per data file. */
  static String positionDelete(String dir, String column, long[] ids) throws Exception {
    Table t = TABLES.load(dir);
    Set<Long> wanted = new HashSet<>();
    for (long id : ids) wanted.add(id);
    Schema schema = t.schema();
    var rowDelta = t.newRowDelta();
    int count = 0;
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile f = task.file();
        // row positions as they are in the file: read it alone, without deletes, in file order
        List<Long> positions = new ArrayList<>();
        long pos = 0;
        try (CloseableIterable<Record> rows = org.apache.iceberg.parquet.Parquet.read(t.io().newInputFile(f.location()))
            .project(schema.select(column))
            .createReaderFunc(fileSchema -> org.apache.iceberg.data.parquet.GenericParquetReaders.buildReader(schema.select(column), fileSchema))
            .build()) {
          for (Record r : rows) {
            Object v = r.getField(column);
            if (v != null && wanted.contains(((Number) v).longValue())) positions.add(pos);
            pos++;
          }
        }
        if (positions.isEmpty()) continue;
        PartitionSpec spec = t.specs().get(f.specId());
        GenericAppenderFactory factory = new GenericAppenderFactory(schema, spec);
        PositionDeleteWriter<Record> w = factory.newPosDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(newFile(t, spec, f.partition())), FileFormat.PARQUET, f.partition());
        PositionDelete<Record> d = PositionDelete.create();
        try {
          for (long p : positions) w.write(d.set(f.location(), p, null));
        } finally {
          w.close();
        }
        rowDelta.addDeletes(w.toDeleteFile());
        count += positions.size();
      }
    }
    rowDelta.commit();
    return Integer.toString(count);
  }

  /** Equality deletes on `column` in the current spec, one file per partition of the given rows. */
  static String equalityDeleteIn(String dir, String column, JsonNode rows) throws Exception {
    Table t = TABLES.load(dir);
    Schema schema = t.schema();
    PartitionSpec spec = t.spec();
    Types.NestedField field = schema.findField(column);
    Schema deleteSchema = schema.select(column);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    Map<PartitionKey, List<Record>> groups = new HashMap<>();
    for (JsonNode row : rows) {
      Record full = record(schema, row);
      PartitionKey key = new PartitionKey(spec, schema);
      key.partition(wrapper.wrap(full));
      GenericRecord r = GenericRecord.create(deleteSchema);
      r.setField(column, full.getField(column));
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    GenericAppenderFactory factory = new GenericAppenderFactory(schema, spec, new int[] {field.fieldId()}, deleteSchema, null);
    var rowDelta = t.newRowDelta();
    for (Map.Entry<PartitionKey, List<Record>> g : groups.entrySet()) {
      EqualityDeleteWriter<Record> w = factory.newEqDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(newFile(t, spec, g.getKey())), FileFormat.PARQUET, g.getKey());
      try {
        for (Record r : g.getValue()) w.write(r);
      } finally {
        w.close();
      }
      rowDelta.addDeletes(w.toDeleteFile());
    }
    rowDelta.commit();
    return Long.toString(t.currentSnapshot().snapshotId());
  }

  /** Equality deletes on `column` in spec 0 (unpartitioned: they apply to every partition). */
  static String equalityDelete(String dir, String column, long[] values) throws Exception {
    Table t = TABLES.load(dir);
    Schema schema = t.schema();
    Types.NestedField field = schema.findField(column);
    Schema deleteSchema = schema.select(column);
    PartitionSpec spec = t.specs().get(0);
    if (!spec.isUnpartitioned()) throw new IllegalArgumentException("spec 0 is partitioned");
    GenericAppenderFactory factory = new GenericAppenderFactory(schema, spec, new int[] {field.fieldId()}, deleteSchema, null);
    EqualityDeleteWriter<Record> w = factory.newEqDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(newFile(t, spec, null)), FileFormat.PARQUET, null);
    try {
      for (long v : values) {
        GenericRecord r = GenericRecord.create(deleteSchema);
        r.setField(column, field.type().typeId() == Type.TypeID.INTEGER ? (Object) (int) v : (Object) v);
        w.write(r);
      }
    } finally {
      w.close();
    }
    DeleteFile file = w.toDeleteFile();
    t.newRowDelta().addDeletes(file).commit();
    return Long.toString(t.currentSnapshot().snapshotId());
  }
}
