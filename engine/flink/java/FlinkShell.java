// Apache Flink 1.20.3 in one JVM for the tests: plans (EXPLAIN), runs bounded jobs and evaluates queries
// for the TypeScript side (engine/flink/testing/shell.ts), so the Flink tests share one warm JVM.
//
// Protocol, one request per stdin line: `<id> <mode> <base64 statement> <base64 statement> …`
//   mode explain: runs SET/CREATE statements, then EXPLAINs the last one (an INSERT or EXECUTE STATEMENT SET)
//   mode run:     runs every statement and waits for the job of the last one to finish (a bounded job)
//   mode query:   runs SET/CREATE statements, then collects the rows of the last one (a SELECT) in batch mode
//   mode plan:    each statement is EXPLAINed on its own after the first (a CREATE); one answer per statement
//   mode gateway: starts (once) a MiniCluster with its REST endpoint and a SQL Gateway (REST) submitting to
//                 it, and answers their ports: {"gateway":…,"cluster":…}
// `FlinkShell serve <port file> <idle ms>` speaks the same protocol on each connection to a local port
// instead (testing/shell.ts: one JVM shared by all the Flink test files of a run).
// One JSON line per request on stdout: {"id":…,"ok":true,"result":…} or {"id":…,"ok":false,"error":"…"}.
// Every request gets a fresh TableEnvironment so names never collide between cases.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

public final class FlinkShell {
  private static final Pattern SET = Pattern.compile("(?is)^\\s*SET\\s+'([^']+)'\\s*=\\s*'((?:[^']|'')*)'\\s*$");

  public static void main(String[] args) throws Exception {
    // stdout carries the protocol only; Flink's own logging goes to stderr (log4j2 defaults there)
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8));
    if (args.length >= 3 && args[0].equals("serve")) {
      serve(java.nio.file.Path.of(args[1]), Long.parseLong(args[2]));
      return;
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    converse(in, out);
    // stdin closed: the test is done. A MiniCluster or gateway keeps non-daemon threads alive, so exit.
    System.exit(0);
  }

  private static final java.util.concurrent.atomic.AtomicInteger clients = new java.util.concurrent.atomic.AtomicInteger();
  private static volatile long lastActive = System.currentTimeMillis();

  /**
   * Shared mode: one JVM for every Flink test file of a run. Listens on 127.0.0.1 (an ephemeral port, written
   * to `portFile` once listening), serves each connection in its own thread with the stdin protocol, and
   * exits when no client has been connected for `idleMs` (removing the port file first, so no new client
   * picks a JVM that is going away).
   */
  private static void serve(java.nio.file.Path portFile, long idleMs) throws Exception {
    java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    java.nio.file.Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp" + ProcessHandle.current().pid());
    java.nio.file.Files.writeString(tmp, server.getLocalPort() + " " + ProcessHandle.current().pid());
    java.nio.file.Files.move(tmp, portFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Thread idle = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
        synchronized (clients) {
          if (clients.get() == 0 && System.currentTimeMillis() - lastActive > idleMs) {
            try {
              String mine = java.nio.file.Files.readString(portFile);
              if (mine.startsWith(server.getLocalPort() + " ")) java.nio.file.Files.deleteIfExists(portFile);
              server.close();
            } catch (Exception ignored) {
              // exiting anyway
            }
            cpuLog();
            System.exit(0);
          }
        }
      }
    });
    idle.setDaemon(true);
    idle.start();
    while (true) {
      java.net.Socket socket;
      try {
        socket = server.accept();
      } catch (java.io.IOException closed) {
        return;
      }
      synchronized (clients) {
        clients.incrementAndGet();
      }
      Thread t = new Thread(() -> {
        try (socket) {
          BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
          PrintStream out = new PrintStream(socket.getOutputStream(), true, StandardCharsets.UTF_8);
          converse(in, out);
        } catch (Exception ignored) {
          // the client went away
        } finally {
          synchronized (clients) {
            clients.decrementAndGet();
            lastActive = System.currentTimeMillis();
          }
        }
      });
      t.setDaemon(true);
      t.start();
    }
  }

  /** With STREAMLAKE_FLINK_CPU_LOG set, appends this JVM's CPU seconds there (a detached JVM is nobody's child to time). */
  private static void cpuLog() {
    String file = System.getenv("STREAMLAKE_FLINK_CPU_LOG");
    if (file == null || file.isEmpty()) return;
    try {
      long nanos = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      java.nio.file.Files.writeString(java.nio.file.Path.of(file), String.format("%.2f%n", nanos / 1e9), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (Exception ignored) {
      // measurement only
    }
  }

  /** The line protocol over one pair of streams, until the input ends. */
  private static void converse(BufferedReader in, PrintStream out) throws java.io.IOException {
    out.println("{\"ready\":true}");
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String[] parts = line.trim().split(" ");
      String id = parts[0];
      String mode = parts.length > 1 ? parts[1] : "";
      List<String> statements = new ArrayList<>();
      for (int i = 2; i < parts.length; i++) statements.add(new String(Base64.getDecoder().decode(parts[i]), StandardCharsets.UTF_8));
      String answer;
      try {
        answer = "{\"id\":" + id + ",\"ok\":true,\"result\":" + handle(mode, statements) + "}";
      } catch (Throwable t) {
        answer = "{\"id\":" + id + ",\"ok\":false,\"error\":" + json(describe(t)) + "}";
      }
      out.println(answer);
    }
  }

  private static String gatewayPorts;

  /** A MiniCluster plus a SQL Gateway in this JVM, as a "Flink connection" for the submit tests. */
  private static synchronized String gateway() throws Exception {
    if (gatewayPorts != null) return gatewayPorts;
    org.apache.flink.configuration.Configuration cluster = new org.apache.flink.configuration.Configuration();
    cluster.setString("rest.bind-port", "0");
    cluster.setString("rest.address", "127.0.0.1");
    cluster.setString("rest.bind-address", "127.0.0.1");
    cluster.setString("restart-strategy.type", "none");
    cluster.setString("taskmanager.numberOfTaskSlots", "4");
    org.apache.flink.runtime.minicluster.MiniCluster mini = new org.apache.flink.runtime.minicluster.MiniCluster(
        new org.apache.flink.runtime.minicluster.MiniClusterConfiguration.Builder().setConfiguration(cluster).setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
    mini.start();
    int clusterPort = mini.getRestAddress().get().getPort();
    int gatewayPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      gatewayPort = free.getLocalPort();
    }
    org.apache.flink.configuration.Configuration config = new org.apache.flink.configuration.Configuration();
    config.setString("execution.target", "remote");
    config.setString("rest.address", "127.0.0.1");
    config.setString("rest.port", String.valueOf(clusterPort));
    config.setString("restart-strategy.type", "none");
    config.setString("table.local-time-zone", "UTC");
    config.setString("sql-gateway.endpoint.rest.address", "127.0.0.1");
    config.setString("sql-gateway.endpoint.rest.bind-address", "127.0.0.1");
    config.setString("sql-gateway.endpoint.rest.port", String.valueOf(gatewayPort));
    org.apache.flink.table.gateway.service.session.SessionManager sessions = org.apache.flink.table.gateway.service.session.SessionManager.create(
        new org.apache.flink.table.gateway.service.context.DefaultContext(config, new ArrayList<>()));
    org.apache.flink.table.gateway.SqlGateway gateway = new org.apache.flink.table.gateway.SqlGateway(config, sessions);
    gateway.start();
    gatewayPorts = "{\"gateway\":" + gatewayPort + ",\"cluster\":" + clusterPort + "}";
    return gatewayPorts;
  }

  private static String handle(String mode, List<String> statements) throws Exception {
    if (mode.equals("gateway")) return gateway();
    if (statements.isEmpty()) throw new IllegalArgumentException("no statements");
    boolean batch = mode.equals("query") || mode.equals("plan");
    TableEnvironment env = TableEnvironment.create(batch ? EnvironmentSettings.inBatchMode() : EnvironmentSettings.inStreamingMode());
    // A failing test job must fail, not retry forever (checkpointing turns restarts on otherwise).
    env.getConfig().set("restart-strategy.type", "none");
    env.getConfig().set("table.local-time-zone", "UTC");
    if (mode.equals("plan")) return plan(env, statements);
    int last = statements.size() - 1;
    for (int i = 0; i < last; i++) apply(env, statements.get(i));
    String finalStatement = statements.get(last).trim();
    switch (mode) {
      case "explain": {
        String text = finalStatement.replaceFirst("(?is)^EXECUTE\\s+STATEMENT", "EXPLAIN STATEMENT");
        if (!text.regionMatches(true, 0, "EXPLAIN", 0, 7)) text = "EXPLAIN " + text;
        return json(collectText(env.executeSql(text)));
      }
      case "run": {
        TableResult result = env.executeSql(finalStatement);
        result.await();
        String job = result.getJobClient().map(c -> c.getJobID().toString()).orElse("");
        return "{\"job\":" + json(job) + "}";
      }
      case "query":
        return rows(env.executeSql(finalStatement));
      default:
        throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  /** First statement sets up (a CREATE); each later one is planned alone, so one bad expression names itself. */
  private static String plan(TableEnvironment env, List<String> statements) {
    apply(env, statements.get(0));
    StringBuilder b = new StringBuilder("[");
    for (int i = 1; i < statements.size(); i++) {
      if (i > 1) b.append(',');
      try {
        env.explainSql(statements.get(i));
        b.append("null");
      } catch (Throwable t) {
        b.append(json(describe(t)));
      }
    }
    return b.append(']').toString();
  }

  private static void apply(TableEnvironment env, String statement) {
    Matcher set = SET.matcher(statement);
    if (set.matches()) env.getConfig().set(set.group(1), set.group(2).replace("''", "'"));
    else env.executeSql(statement);
  }

  private static String collectText(TableResult result) throws Exception {
    StringBuilder b = new StringBuilder();
    try (CloseableIterator<Row> it = result.collect()) {
      while (it.hasNext()) b.append(String.valueOf(it.next().getField(0)));
    }
    return b.toString();
  }

  /** Rows as arrays of text (NULL as null) with the column types, so the caller compares values exactly. */
  private static String rows(TableResult result) throws Exception {
    StringBuilder b = new StringBuilder("{\"types\":[");
    List<org.apache.flink.table.types.DataType> types = result.getResolvedSchema().getColumnDataTypes();
    for (int i = 0; i < types.size(); i++) b.append(i > 0 ? "," : "").append(json(types.get(i).toString()));
    b.append("],\"rows\":[");
    try (CloseableIterator<Row> it = result.collect()) {
      boolean first = true;
      while (it.hasNext()) {
        Row row = it.next();
        b.append(first ? "[" : ",[");
        first = false;
        for (int i = 0; i < row.getArity(); i++) {
          Object v = row.getField(i);
          b.append(i > 0 ? "," : "").append(v == null ? "null" : json(String.valueOf(v)));
        }
        b.append(']');
      }
    }
    return b.append("]}").toString();
  }

  private static String describe(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (b.length() > 0) b.append("\nCaused by: ");
      b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
      if (c.getCause() == c) break;
    }
    return b.toString();
  }

  private static String json(String s) {
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
