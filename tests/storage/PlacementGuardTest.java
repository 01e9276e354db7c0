package storage;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.TestNodes;

/** A node started over existing data with another shard count refuses to start, naming the setting. */
class PlacementGuardTest {

  @Test
  void aChangedShardCountStopsTheNodeFromStarting() {
    try (Node node = TestNodes.start(TestNodes.config("placement", Map.of("thermocline.retrieval.shards", 3)))) {
      assertNotNull(node.system());
    }
    // Same settings: starts again.
    try (Node node = TestNodes.start(TestNodes.config("placement", Map.of("thermocline.retrieval.shards", 3)))) {
      assertNotNull(node.system());
    }
    Throwable failure = assertThrows(Throwable.class,
        () -> TestNodes.start(TestNodes.config("placement", Map.of("thermocline.retrieval.shards", 5))).close());
    StringBuilder chain = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) chain.append(t.getMessage()).append(" <- ");
    assertTrue(chain.toString().contains("retrieval.shards is 5 here but the data was placed with 3"), chain.toString());
  }
}
