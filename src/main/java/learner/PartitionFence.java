package learner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions this node learns now, and the batch each has in flight: a partition is handed to another node
 * only once its batch here has finished, and no batch of it starts here after.
 *
 * <p>Why: the next owner resumes from the offset and the intent in {@code learner_state}; a batch still running
 * here when it reads them would have its write refused ({@link IntentProtocol}: the writes are compare-and-set on
 * the offset) and be computed again there. So this fence is not what makes learning exactly once (a batch that
 * takes longer than the wait, a node that loses its partitions without knowing, a stale stream after a quick
 * re-assignment are all caught in Cassandra); it saves that wasted work in the common case. Kafka calls
 * {@link #revoke} synchronously before a rebalance completes, so waiting there holds the hand-over until the batch
 * is done.
 */
final class PartitionFence {

  private static final Logger log = LoggerFactory.getLogger(PartitionFence.class);

  private final Duration handOverWait;
  private final Set<Integer> owned = new HashSet<>();
  private final Map<Integer, CompletableFuture<Void>> inFlight = new HashMap<>();

  /** @param handOverWait how long a revocation waits for the partition's batch in flight */
  PartitionFence(Duration handOverWait) {
    this.handOverWait = handOverWait;
  }

  synchronized boolean owns(int partition) {
    return owned.contains(partition);
  }

  synchronized void assigned(Collection<Integer> partitions) {
    owned.addAll(partitions);
  }

  /**
   * Registers a batch about to start; false when the partition is no longer this node's (a partial batch the
   * stream flushes as its partition is revoked): then it must not be learned here, its next owner learns it.
   *
   * @param finished completed (by the caller) when the batch has finished, whatever its outcome
   */
  synchronized boolean begin(int partition, CompletableFuture<Void> finished) {
    if (!owned.contains(partition)) return false;
    inFlight.put(partition, finished);
    return true;
  }

  synchronized void end(int partition, CompletableFuture<Void> finished) {
    inFlight.remove(partition, finished);
  }

  /** Stops learning these partitions here and waits (at most the hand-over wait) for their batches in flight. */
  void revoke(Collection<Integer> partitions) {
    List<CompletableFuture<Void>> running = new ArrayList<>();
    synchronized (this) {
      owned.removeAll(partitions);
      for (int p : partitions) {
        CompletableFuture<Void> f = inFlight.get(p);
        if (f != null) running.add(f);
      }
    }
    if (running.isEmpty()) return;
    try {
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
          .get(handOverWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("partitions {} handed over with a batch still in flight after {}: the next owner's first batch "
          + "may be refused and computed again", partitions, handOverWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // the batch failed: its intent, if written, is re-sent by the next owner
    }
  }

  /** Every partition (the node stops): as {@link #revoke} for all it owns. */
  void revokeAll() {
    List<Integer> all;
    synchronized (this) {
      all = new ArrayList<>(owned);
      all.addAll(inFlight.keySet());
    }
    revoke(all);
  }
}
