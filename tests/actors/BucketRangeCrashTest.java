package actors;

import static org.junit.jupiter.api.Assertions.*;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import embedding.RowBlock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import testkit.DeltaStream;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * A node JVM killed with SIGKILL in the middle of a stream of batches: after recovery the range holds every
 * acknowledged batch and nothing else (at most the one batch that was in flight, whole, never a part of one).
 */
class BucketRangeCrashTest {

  private static final String NAME = "range_crash";
  private static final String ENTITY = "cold-1";
  private static final int KILL_AFTER_ACKS = 40;

  @Test
  void recoversEveryAcknowledgedBatchAndNothingElse() throws Exception {
    String contactPoint = TestServers.cassandra().contactPoint();
    Path dataDir = TestServers.newDir("crash-child");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        DeltaStreamerMain.class.getName(), NAME, contactPoint, dataDir.toString(), ENTITY, "100000"));
    Path log = dataDir.resolve("child.err");
    Process child = new ProcessBuilder(command).redirectError(log.toFile()).start();
    int lastAck = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ACK ")) lastAck = Integer.parseInt(line.substring(4));
        if (lastAck >= KILL_AFTER_ACKS) break;
      }
      assertTrue(lastAck >= KILL_AFTER_ACKS, () -> "child stopped early; its log:\n" + tail(log));
      // SIGKILL: no shutdown hooks, no flush. Through the handle, so our end of the pipe stays open.
      child.toHandle().destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      // Whatever the child printed before it died still counts as acknowledged: read to the end.
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ACK ")) lastAck = Integer.parseInt(line.substring(4));
      }
    } finally {
      child.destroyForcibly();
    }

    try (Node node = TestNodes.start(TestNodes.config(NAME))) {
      short[] recovered = rows(node);
      int acknowledged = lastAck + 1;
      // Acknowledged batches [0, acknowledged) must all be there; the next one may have been persisted
      // without its acknowledgement reaching us; a later one can't have been sent.
      int matched = -1;
      for (int count = acknowledged; count <= acknowledged + 1; count++) {
        RowBlock expected = DeltaStream.replay(node.settings().store(), ENTITY, count);
        if (java.util.Arrays.equals(DeltaStream.rawRows(expected, DeltaStream.TOUCHED_ROWS), recovered)) {
          matched = count;
        }
      }
      int acked = acknowledged;
      System.out.printf("crash test: %d batches acknowledged before SIGKILL, %d recovered%n", acknowledged, matched);
      assertTrue(matched >= 0, () -> "recovered rows equal neither " + acked + " nor " + (acked + 1) + " batches");
      assertEquals(matched, node.admin().rangeSummary(ENTITY).toCompletableFuture().join().opsApplied());
    }
  }

  private static short[] rows(Node node) {
    int[] rows = new int[DeltaStream.TOUCHED_ROWS];
    for (int i = 0; i < rows.length; i++) rows[i] = i;
    return ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, ENTITY)
        .<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(rows, r), Duration.ofSeconds(30))
        .toCompletableFuture().join().values();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
