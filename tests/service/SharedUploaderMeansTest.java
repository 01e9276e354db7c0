package service;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import storage.ItemStore;
import storage.UploaderMeanStore;
import testkit.TestServers;

/**
 * Uploader means shared through Cassandra: two nodes folding items into one uploader at once lose none of each
 * other's, and a node started later (a restart) serves the same mean.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedUploaderMeansTest {

  private static final int DIM = 4;
  private static final String KEYSPACE = "shared_means";
  // Flushes are driven by the test: the scheduled one would race its assertions.
  private static final SharedUploaderMeans.Settings SETTINGS =
      new SharedUploaderMeans.Settings(1000, 100, Duration.ofMinutes(5), Duration.ofHours(1), 10_000, 4);

  private CqlSession session;
  private ActorSystem<Void> system;

  @BeforeAll
  void open() {
    session = TestServers.cassandra().newSession();
    ItemStore.open(session, KEYSPACE, 1, true);
    system = ActorSystem.create(Behaviors.empty(), "means",
        ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));
  }

  @AfterAll
  void close() {
    if (system != null) system.terminate();
    if (session != null) session.close();
  }

  private SharedUploaderMeans node() {
    return new SharedUploaderMeans(system, new UploaderMeanStore(session, KEYSPACE), DIM, SETTINGS);
  }

  @Test
  void concurrentWritersFromTwoNodesKeepEveryItemAndALaterNodeServesTheSameMean() throws Exception {
    SharedUploaderMeans a = node();
    SharedUploaderMeans b = node();
    Random rng = new Random(7);
    float[] sum = new float[DIM];
    int perNode = 40;
    // Rounds of adds, both nodes flushing at once each round: their compare-and-sets collide on the one row.
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < perNode / 4; i++) {
        for (SharedUploaderMeans node : List.of(a, b)) {
          float[] v = new float[DIM];
          for (int d = 0; d < DIM; d++) {
            v[d] = (float) rng.nextGaussian();
            sum[d] += v[d];
          }
          node.add("up-1", v);
        }
      }
      CompletableFuture.allOf(a.flush().toCompletableFuture(), b.flush().toCompletableFuture()).get();
    }
    // 80 items, under the window of 100: the stored value is their plain mean, whatever order they were folded in.
    SharedUploaderMeans restarted = node();
    assertNull(restarted.mean("up-1"), "not loaded yet: mean() never waits on the store");
    restarted.load(List.of("up-1", "nobody")).toCompletableFuture().get();
    float[] mean = restarted.mean("up-1");
    assertNotNull(mean);
    for (int d = 0; d < DIM; d++) assertEquals(sum[d] / (2 * perNode), mean[d], 1e-4, "element " + d);
    assertNull(restarted.mean("nobody"));
    var stored = new UploaderMeanStore(session, KEYSPACE).read("up-1").toCompletableFuture().get().orElseThrow();
    assertEquals(2L * perNode, stored.count(), "every add of both nodes counted once");
    assertEquals(0, a.dropped() + b.dropped());
  }

  @Test
  void aNodeSeesItsOwnAddsBeforeTheyAreWritten() {
    SharedUploaderMeans a = node();
    a.add("up-2", new float[] {1, 0, 0, 0});
    a.add("up-2", new float[] {0, 1, 0, 0});
    assertArrayEquals(new float[] {0.5f, 0.5f, 0, 0}, a.mean("up-2"), 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> a.add("up-2", new float[] {1, 0}));
    assertThrows(IllegalArgumentException.class, () -> a.add(" ", new float[DIM]));
  }
}
