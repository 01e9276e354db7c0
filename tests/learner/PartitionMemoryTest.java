package learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.Optional;
import model.FrequencyEstimator;
import org.junit.jupiter.api.Test;
import storage.LearnerState;

class PartitionMemoryTest {

  private static PartitionMemory memory() {
    return new PartitionMemory(new LearnerSettings(true, "learner", 0.1f, 100, 512, Duration.ofMillis(100), 128, 0,
        16, 4, 2048, 0, false, true, new LearnerSettings.History(5, 100, 100, Duration.ofHours(1))));
  }

  private static Optional<LearnerState.Position> savedAfter(int positives) {
    FrequencyEstimator saved = new FrequencyEstimator(4, 2048, 0x51ed2701, 0.05, 1e-6);
    for (int i = 0; i < positives; i++) saved.observe("item-" + (i % 7));
    return Optional.of(new LearnerState.Position(10, null, saved.toBytes(), null));
  }

  @Test
  void thePartitionsOfANodeShareOneEstimator() {
    PartitionMemory memory = memory();
    FrequencyEstimator first = memory.forBatch(memory.lane(0), 0).estimator();
    FrequencyEstimator second = memory.forBatch(memory.lane(3), 3).estimator();
    assertSame(first, second);
    first.observe("a");
    first.observe("b");
    assertEquals(2, second.steps(), "positives one partition observed count for the other");
  }

  @Test
  void aSavedEstimatorReplacesTheNodesOnlyWhenItHasSeenMore() {
    PartitionMemory memory = memory();
    memory.restore(0, savedAfter(50));
    assertEquals(50, memory.forBatch(memory.lane(0), 0).estimator().steps(), "a starting node takes the saved one");
    memory.restore(1, savedAfter(20));
    assertEquals(50, memory.forBatch(memory.lane(1), 1).estimator().steps(),
        "a partition saved with fewer positives does not set the node back");
    memory.restore(2, savedAfter(80));
    assertEquals(80, memory.forBatch(memory.lane(0), 0).estimator().steps());
    memory.restore(3, Optional.empty());
    assertEquals(80, memory.forBatch(memory.lane(3), 3).estimator().steps(), "a partition never learned keeps it");
  }
}
