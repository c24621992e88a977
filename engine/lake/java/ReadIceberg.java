// Reads Iceberg tables with Apache Iceberg Java (1.10.0) and prints what it sees as JSON, so
// engine/lake/compat.test.ts can compare it with what the engine reports.
//
// Usage: java ReadIceberg <request>...   where a request is  <tableDir>[#snapshot=<id>|#ref=<name>]
// Prints one JSON array with an object per request: schema (Iceberg JSON), schemas, spec, snapshots with
// summaries, refs, current snapshot id, the default sort order, the rows of the requested snapshot/ref (main when none) and the
// data files of that snapshot with their metrics as Java decodes them.
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.SortOrderParser;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

public class ReadIceberg {
  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    HadoopTables tables = new HadoopTables(conf);
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < args.length; i++) {
      if (i > 0) out.append(",\n");
      out.append(describeRequest(tables, args[i]));
    }
    out.append("]");
    System.out.println(out);
  }

  /** `<tableDir>[#snapshot=<id>|#ref=<name>]` described as JSON (also used by IcebergShell). */
  static String describeRequest(HadoopTables tables, String request) throws Exception {
    String dir = request;
    Long snapshotId = null;
    String ref = null;
    int hash = request.indexOf('#');
    if (hash >= 0) {
      dir = request.substring(0, hash);
      String sel = request.substring(hash + 1);
      if (sel.startsWith("snapshot=")) snapshotId = Long.parseLong(sel.substring(9));
      else if (sel.startsWith("ref=")) ref = sel.substring(4);
      else throw new IllegalArgumentException("unknown selector " + sel);
    }
    return describe(tables.load(dir), snapshotId, ref);
  }

  static String describe(Table t, Long snapshotId, String ref) throws Exception {
    StringBuilder b = new StringBuilder("{");
    b.append("\"schema\":").append(SchemaParser.toJson(t.schema()));
    b.append(",\"schemas\":[");
    boolean first = true;
    for (Schema s : t.schemas().values()) {
      if (!first) b.append(',');
      first = false;
      b.append(SchemaParser.toJson(s));
    }
    b.append("],\"spec\":").append(PartitionSpecParser.toJson(t.spec()));
    // Java binds the order to the schema when it loads the table, so a bad source id or transform fails here
    b.append(",\"sortOrder\":").append(SortOrderParser.toJson(t.sortOrder()));
    Snapshot current = t.currentSnapshot();
    b.append(",\"currentSnapshotId\":").append(current == null ? "null" : Long.toString(current.snapshotId()));
    b.append(",\"snapshots\":[");
    first = true;
    for (Snapshot s : t.snapshots()) {
      if (!first) b.append(',');
      first = false;
      b.append("{\"snapshotId\":").append(s.snapshotId());
      b.append(",\"parentId\":").append(s.parentId() == null ? "null" : s.parentId().toString());
      b.append(",\"sequenceNumber\":").append(s.sequenceNumber());
      b.append(",\"timestampMs\":").append(s.timestampMillis());
      b.append(",\"operation\":").append(str(s.operation()));
      b.append(",\"schemaId\":").append(s.schemaId() == null ? "null" : s.schemaId().toString());
      b.append(",\"summary\":{");
      boolean f2 = true;
      for (Map.Entry<String, String> e : s.summary().entrySet()) {
        if (!f2) b.append(',');
        f2 = false;
        b.append(str(e.getKey())).append(':').append(str(e.getValue()));
      }
      b.append("}}");
    }
    b.append("],\"refs\":{");
    first = true;
    for (Map.Entry<String, SnapshotRef> e : t.refs().entrySet()) {
      if (!first) b.append(',');
      first = false;
      b.append(str(e.getKey())).append(":{\"type\":").append(str(e.getValue().isBranch() ? "branch" : "tag"));
      b.append(",\"snapshotId\":").append(e.getValue().snapshotId()).append('}');
    }
    b.append('}');

    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(t);
    TableScan files = t.newScan().includeColumnStats();
    if (snapshotId != null) {
      scan = scan.useSnapshot(snapshotId);
      files = files.useSnapshot(snapshotId);
    } else if (ref != null) {
      // IcebergGenerics has no useRef: read the ref's snapshot (so schema = that snapshot's schema)
      SnapshotRef r = t.refs().get(ref);
      if (r == null) throw new IllegalArgumentException("no ref " + ref);
      scan = scan.useSnapshot(r.snapshotId());
      files = files.useRef(ref);
    }
    b.append(",\"rows\":[");
    if (current != null || snapshotId != null || ref != null) {
      first = true;
      try (CloseableIterable<Record> it = scan.build()) {
        for (Record r : it) {
          if (!first) b.append(',');
          first = false;
          value(b, r);
        }
      }
    }
    b.append("],\"files\":[");
    if (current != null || snapshotId != null || ref != null) {
      first = true;
      Schema schema = files.schema();
      try (CloseableIterable<FileScanTask> tasks = files.planFiles()) {
        for (FileScanTask task : tasks) {
          DataFile f = task.file();
          if (!first) b.append(',');
          first = false;
          b.append("{\"path\":").append(str(f.location()));
          b.append(",\"recordCount\":").append(f.recordCount());
          b.append(",\"fileSizeInBytes\":").append(f.fileSizeInBytes());
          b.append(",\"sortOrderId\":").append(f.sortOrderId() == null ? "null" : f.sortOrderId().toString());
          b.append(",\"partition\":[");
          StructLike p = f.partition();
          for (int i = 0; i < p.size(); i++) {
            if (i > 0) b.append(',');
            value(b, p.get(i, Object.class));
          }
          b.append("],\"valueCounts\":").append(counts(f.valueCounts()));
          b.append(",\"nullCounts\":").append(counts(f.nullValueCounts()));
          b.append(",\"lowerBounds\":").append(bounds(schema, f.lowerBounds()));
          b.append(",\"upperBounds\":").append(bounds(schema, f.upperBounds()));
          b.append('}');
        }
      }
    }
    b.append("]}");
    return b.toString();
  }

  static String counts(Map<Integer, Long> m) {
    StringBuilder b = new StringBuilder("{");
    if (m != null) {
      boolean first = true;
      for (Map.Entry<Integer, Long> e : m.entrySet()) {
        if (!first) b.append(',');
        first = false;
        b.append('"').append(e.getKey()).append("\":").append(e.getValue());
      }
    }
    return b.append('}').toString();
  }

  static String bounds(Schema schema, Map<Integer, ByteBuffer> m) {
    StringBuilder b = new StringBuilder("{");
    if (m != null) {
      boolean first = true;
      for (Map.Entry<Integer, ByteBuffer> e : m.entrySet()) {
        Types.NestedField field = schema.findField(e.getKey());
        if (field == null || !field.type().isPrimitiveType()) continue;
        Object v = Conversions.fromByteBuffer(field.type(), e.getValue());
        if (!first) b.append(',');
        first = false;
        b.append('"').append(e.getKey()).append("\":");
        b.append(str(String.valueOf(v instanceof ByteBuffer ? hex((ByteBuffer) v) : v)));
      }
    }
    return b.append('}').toString();
  }

  static void value(StringBuilder b, Object v) {
    if (v == null) b.append("null");
    else if (v instanceof Record) {
      Record r = (Record) v;
      b.append('{');
      List<Types.NestedField> fields = r.struct().fields();
      boolean firstField = true;
      for (int i = 0; i < fields.size(); i++) {
        // the generic reader adds _pos to rows when it applies position deletes: not table data
        if (org.apache.iceberg.MetadataColumns.isMetadataColumn(fields.get(i).name())) continue;
        if (!firstField) b.append(',');
        firstField = false;
        b.append(str(fields.get(i).name())).append(':');
        value(b, r.get(i));
      }
      b.append('}');
    } else if (v instanceof Map) {
      b.append('[');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!first) b.append(',');
        first = false;
        b.append("{\"key\":");
        value(b, e.getKey());
        b.append(",\"value\":");
        value(b, e.getValue());
        b.append('}');
      }
      b.append(']');
    } else if (v instanceof Collection) {
      b.append('[');
      boolean first = true;
      for (Object o : (Collection<?>) v) {
        if (!first) b.append(',');
        first = false;
        value(b, o);
      }
      b.append(']');
    } else if (v instanceof Integer || v instanceof Long) b.append(v);
    else if (v instanceof Float || v instanceof Double) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) b.append(str(Double.toString(d)));
      else b.append(v);
    } else if (v instanceof Boolean) b.append(v);
    else if (v instanceof OffsetDateTime) {
      OffsetDateTime t = (OffsetDateTime) v;
      long micros = t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
      b.append("{\"timestampMicros\":").append(micros).append('}');
    } else if (v instanceof LocalDateTime) {
      OffsetDateTime t = ((LocalDateTime) v).atOffset(ZoneOffset.UTC);
      b.append("{\"timestampMicros\":").append(t.toEpochSecond() * 1_000_000L + t.getNano() / 1000).append('}');
    } else if (v instanceof LocalDate) b.append("{\"date\":").append(str(v.toString())).append('}');
    else if (v instanceof LocalTime) b.append("{\"time\":").append(str(v.toString())).append('}');
    else if (v instanceof BigDecimal) b.append("{\"decimal\":").append(str(((BigDecimal) v).toPlainString())).append('}');
    else if (v instanceof ByteBuffer) b.append("{\"bytes\":").append(str(hex((ByteBuffer) v))).append('}');
    else if (v instanceof byte[]) b.append("{\"bytes\":").append(str(hex(ByteBuffer.wrap((byte[]) v)))).append('}');
    else b.append(str(v.toString()));
  }

  static String hex(ByteBuffer buf) {
    ByteBuffer d = buf.duplicate();
    StringBuilder s = new StringBuilder();
    while (d.hasRemaining()) s.append(String.format("%02x", d.get() & 0xff));
    return s.toString();
  }

  static String str(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
