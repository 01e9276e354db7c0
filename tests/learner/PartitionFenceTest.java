package learner;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A partition is handed over only after its batch in flight, and no batch of it starts here after. */
class PartitionFenceTest {

  @Test
  void revocationWaitsForTheBatchInFlightAndRefusesLaterOnes() throws Exception {
    PartitionFence fence = new PartitionFence(Duration.ofHours(1));
    assertFalse(fence.begin(0, new CompletableFuture<>()), "not assigned yet");
    fence.assigned(List.of(0, 1));
    CompletableFuture<Void> batch = new CompletableFuture<>();
    assertTrue(fence.begin(0, batch));

    Thread revoking = new Thread(() -> fence.revoke(List.of(0)), "revoke");
    revoking.start();
    // Once the partition is no longer owned, the revocation waits on the batch: it cannot have returned.
    while (fence.owns(0)) Thread.onSpinWait();
    assertTrue(revoking.isAlive(), "revocation returned while the batch was still running");
    assertTrue(fence.begin(1, new CompletableFuture<>()), "other partitions learn on");

    fence.end(0, batch);
    batch.complete(null);
    revoking.join();
    assertFalse(fence.begin(0, new CompletableFuture<>()), "a partial batch flushed after revocation is refused");
  }

  @Test
  void revokingWithNothingInFlightReturnsAtOnceAndReassignmentResumes() {
    PartitionFence fence = new PartitionFence(Duration.ofHours(1));
    fence.assigned(List.of(2));
    fence.revokeAll();
    assertFalse(fence.begin(2, new CompletableFuture<>()));
    fence.assigned(List.of(2));
    assertTrue(fence.begin(2, new CompletableFuture<>()));
  }
}
