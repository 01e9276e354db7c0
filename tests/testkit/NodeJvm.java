package testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import infra.ChildJvm;
import infra.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Thermocline node in a child JVM of the test ({@code app.Main run --config <file>}, as the image runs it), on
 * ports of its own; it can be killed with SIGKILL and started again on the same ports and folder.
 */
public final class NodeJvm implements AutoCloseable {

  /** The node's four ports: API, operations, Artery (cluster), Akka Management (membership, shards). */
  public record Ports(int http, int admin, int artery, int management) {
    public static Ports pick() {
      int[] p = FreePorts.pick(4);
      return new Ports(p[0], p[1], p[2], p[3]);
    }

    public String address() {
      return "akka://thermocline@127.0.0.1:" + artery;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final Path dir;
  private final Path configFile;
  private final Ports ports;
  private final List<String> jvmOptions;
  private volatile ChildJvm jvm;

  /** @param settings the node's configuration on top of application.conf (ports and data dir are added) */
  public NodeJvm(String name, Path dir, Ports ports, Map<String, Object> settings, List<String> jvmOptions)
      throws IOException {
    this.name = name;
    this.dir = dir;
    this.ports = ports;
    this.jvmOptions = List.copyOf(jvmOptions);
    Map<String, Object> all = new java.util.HashMap<>(settings);
    all.put("thermocline.data-dir", dir.resolve("data").toString());
    all.put("thermocline.http.interface", "127.0.0.1");
    all.put("thermocline.http.port", ports.http());
    all.put("thermocline.admin.port", ports.admin());
    all.put("thermocline.cluster.management", true);
    all.put("akka.management.http.hostname", "127.0.0.1");
    all.put("akka.management.http.port", ports.management());
    all.put("akka.remote.artery.canonical.hostname", "127.0.0.1");
    all.put("akka.remote.artery.canonical.port", ports.artery());
    this.configFile = dir.resolve(name + ".conf");
    Files.createDirectories(dir);
    Files.writeString(configFile, ConfigFactory.parseMap(all).root().render(ConfigRenderOptions.concise()
        .setFormatted(true)), StandardCharsets.UTF_8);
  }

  public String name() {
    return name;
  }

  public Ports ports() {
    return ports;
  }

  public String api() {
    return "http://127.0.0.1:" + ports.http();
  }

  /** Starts the JVM (again, after a kill: same ports, same folder). */
  public synchronized void start() {
    jvm = ChildJvm.start(name, dir, System.getProperty("java.class.path"), jvmOptions, "app.Main",
        List.of("run", "--config", configFile.toString()));
  }

  /** Waits until the node's API listens (the last thing a node does at start); fails early if the JVM exits. */
  public void awaitUp(Duration timeout) {
    ChildJvm.awaitPort("127.0.0.1", ports.http(), timeout, jvm);
  }

  /** SIGKILL: no shutdown hook runs, the node leaves nothing behind but what it had written. */
  public synchronized void kill() throws Exception {
    ProcessHandle handle = ProcessHandle.of(jvm.pid()).orElseThrow();
    handle.destroyForcibly();
    handle.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    jvm.close(); // only removes the pid file now
  }

  /** The last lines of the node's log (for failure messages). */
  public String logTail(int lines) {
    ChildJvm j = jvm;
    return j == null ? "(not started)" : name + " log:\n" + j.logTail(lines);
  }

  /** Members this node's Akka Management sees as Up (addresses). */
  public List<String> upMembers() throws Exception {
    JsonNode members = getJson("http://127.0.0.1:" + ports.management() + "/cluster/members").path("members");
    List<String> up = new ArrayList<>();
    for (JsonNode m : members) if ("Up".equals(m.path("status").asText())) up.add(m.path("node").asText());
    return up;
  }

  /** All members this node sees, whatever their status. */
  public int memberCount() throws Exception {
    return getJson("http://127.0.0.1:" + ports.management() + "/cluster/members").path("members").size();
  }

  /** Entities of one sharded type running on this node. */
  public int entities(String typeName) throws Exception {
    JsonNode regions = getJson("http://127.0.0.1:" + ports.management() + "/cluster/shards/" + typeName)
        .path("regions");
    int n = 0;
    for (JsonNode r : regions) n += r.path("numEntities").asInt();
    return n;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(api() + path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(api() + path)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public static JsonNode json(String body) throws IOException {
    return JSON.readTree(body);
  }

  private static JsonNode getJson(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
    return JSON.readTree(r.body());
  }

  /** Copies the node's logs (this start's and the one before) into {@code target}, for a look after the run. */
  public void keepLogs(Path target) {
    try (var files = Files.list(dir)) {
      Path into = Files.createDirectories(target.resolve(name));
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().contains(".log")) {
          Files.copy(f, into.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      System.err.println("keeping " + name + "'s logs: " + e);
    }
  }

  /** SIGTERM, then SIGKILL after a grace period (ChildJvm). */
  @Override
  public void close() {
    ChildJvm j = jvm;
    if (j != null) j.close();
  }
}
