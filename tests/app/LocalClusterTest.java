package app;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code run --node N} changes: ports, seeds, data dir, and where node N ≥ 2 finds node 1's servers. */
class LocalClusterTest {

  @TempDir
  Path dir;

  private Config base() {
    return ConfigFactory.parseMap(Map.of("thermocline.data-dir", dir.toString())).withFallback(ConfigFactory.load());
  }

  @Test
  void nodeThreeShiftsEveryPortAndKeepsItsFilesApart() {
    Map<String, Object> o = LocalCluster.overrides(base(), 3, "127.0.0.1:9042", "127.0.0.1:9092");
    assertEquals(8084, o.get("thermocline.http.port"), "8080 + 2·2: node 2 took 8082 and 8083");
    assertEquals(8085, o.get("thermocline.admin.port"));
    assertEquals(25522, o.get("akka.remote.artery.canonical.port"));
    assertEquals(8560, o.get("akka.management.http.port"));
    assertEquals(dir.resolve("node-3").toString(), o.get("thermocline.data-dir"));
    assertEquals(List.of("akka://thermocline@127.0.0.1:25520", "akka://thermocline@127.0.0.1:25521",
        "akka://thermocline@127.0.0.1:25522"), o.get("akka.cluster.seed-nodes"));
    assertEquals(List.of("127.0.0.1:9042"), o.get("thermocline.cassandra.contact-points"));
  }

  @Test
  void nodeOneKeepsTheDefaultsAndItsEmbeddedServers() {
    Map<String, Object> o = LocalCluster.overrides(base(), 1, null, null);
    assertEquals(8080, o.get("thermocline.http.port"));
    assertEquals(25520, o.get("akka.remote.artery.canonical.port"));
    assertFalse(o.containsKey("thermocline.data-dir"));
    assertFalse(o.containsKey("thermocline.cassandra.contact-points"), "node 1 starts its own Cassandra");
  }

  @Test
  void aLaterNodeReadsTheServersNodeOneWrote() throws Exception {
    Config wired = ConfigFactory.parseMap(Map.of(
        "datastax-java-driver.basic.contact-points", List.of("127.0.0.1:19042"),
        "thermocline.kafka.bootstrap-servers", "127.0.0.1:19092"));
    LocalCluster.writeServers(dir, wired);
    Map<String, Object> o = LocalCluster.overrides(base(), 2, null, null);
    assertEquals(List.of("127.0.0.1:19042"), o.get("thermocline.cassandra.contact-points"));
    assertEquals("127.0.0.1:19092", o.get("thermocline.kafka.bootstrap-servers"));
    // What the node makes of them: external servers, none embedded.
    Settings s = Settings.from(ConfigFactory.parseMap(o).withFallback(base()));
    assertFalse(s.cassandra().embedded());
    assertFalse(s.kafka().embedded());
  }

  @Test
  void aLaterNodeWithoutNodeOnesFileSaysWhatToDo() {
    assertFalse(Files.exists(dir.resolve(LocalCluster.SERVERS_FILE)));
    var e = assertThrows(IllegalArgumentException.class, () -> LocalCluster.overrides(base(), 2, null, null));
    assertTrue(e.getMessage().contains("start node 1 first"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LocalCluster.overrides(base(), 0, null, null));
    assertTrue(e.getMessage().startsWith("--node"), e.getMessage());
  }

  @Test
  void theRunCommandsOptionsMakeNodeTwoOfTheLocalCluster() {
    Main.ConfigOptions options = new Main.ConfigOptions();
    new picocli.CommandLine(options).parseArgs("--node", "2", "--data-dir", dir.toString(),
        "--cassandra", "127.0.0.1:19042", "--kafka", "127.0.0.1:19092");
    Config config = options.load();
    Settings s = Settings.from(config);
    assertEquals(8082, s.http().port());
    assertEquals(8083, s.admin().port());
    assertEquals(2, config.getInt("thermocline.cluster.local-node"));
    assertEquals(dir.resolve("node-2"), s.dataDir());
    assertEquals(List.of("127.0.0.1:19042"), s.cassandra().contactPoints());
    assertEquals("127.0.0.1:19092", s.kafka().bootstrapServers());
    assertEquals(3, s.cluster().seedNodes().size());

    Main.ConfigOptions explicitPort = new Main.ConfigOptions();
    new picocli.CommandLine(explicitPort).parseArgs("--node", "2", "--port", "9000", "--data-dir", dir.toString(),
        "--cassandra", "127.0.0.1:19042", "--kafka", "127.0.0.1:19092");
    assertEquals(9000, Settings.from(explicitPort.load()).http().port(), "--port wins over the derived port");
  }
}
