package storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where the online learner stands in each partition (table {@code learner_state}); the learner keeps its
 * offsets here rather than in Kafka so that the offset, the batch in flight, the frequency estimate and the pool of
 * extra negatives move together.
 *
 * <p><b>The fence between learners.</b> The learner's writes are compare-and-set (lightweight transactions) on
 * {@code next_offset}: an intent is written only where the row stands at the offset its batch starts from with no
 * intent pending, and an offset only moves from the value its writer expects. Two nodes that both believe they hold a
 * partition (a rebalance that did not wait for a batch, a stale consumer) therefore cannot both learn one record:
 * the second one's write is refused, and it re-reads where the partition stands ({@link #latest}, a serial read).
 * {@code next_offset} only grows, so an intent is the only one ever written at its offset.
 */
public final class LearnerState {

  /**
   * {@code intent}: the encoded batch being applied, or null; {@code estimator} and {@code negatives} (the pool
   * extra negatives are drawn from): bytes as of after that batch, or null.
   */
  public record Position(long nextOffset, byte[] intent, byte[] estimator, byte[] negatives) {}

  private final CqlSession session;
  private final PreparedStatement select;
  private final PreparedStatement writeIntent;
  private final PreparedStatement advance;
  private final PreparedStatement begin;
  private final PreparedStatement init;
  private final PreparedStatement advanceFrom;
  private final PreparedStatement passFrom;
  private final PreparedStatement intendAt;

  public LearnerState(CqlSession session, String keyspace) {
    this.session = session;
    String table = keyspace + ".learner_state";
    select = session.prepare(
        "SELECT next_offset, intent, estimator, negatives FROM " + table + " WHERE grp = ? AND part = ?");
    writeIntent = session.prepare(
        "UPDATE " + table + " SET intent = ?, estimator = ?, negatives = ? WHERE grp = ? AND part = ?");
    advance = session.prepare("UPDATE " + table + " SET next_offset = ?, intent = null WHERE grp = ? AND part = ?");
    begin = session.prepare("UPDATE " + table + " SET next_offset = ?, intent = null, estimator = ?, negatives = ? "
        + "WHERE grp = ? AND part = ?");
    init = session.prepare("UPDATE " + table + " SET next_offset = 0 WHERE grp = ? AND part = ? IF next_offset = null");
    intendAt = session.prepare("UPDATE " + table + " SET intent = ?, estimator = ?, negatives = ? "
        + "WHERE grp = ? AND part = ? IF next_offset = ? AND intent = null");
    advanceFrom = session.prepare(
        "UPDATE " + table + " SET next_offset = ?, intent = null WHERE grp = ? AND part = ? IF next_offset = ?");
    passFrom = session.prepare("UPDATE " + table + " SET next_offset = ? WHERE grp = ? AND part = ? "
        + "IF next_offset = ? AND intent = null");
  }

  /**
   * Starts {@code group}'s partition where another stands ({@code from}: its offset, estimate and negative pool;
   * a new model version's learner continuing from what its parent had learned when it was copied).
   */
  public CompletionStage<Void> begin(String group, int partition, Position from) {
    return session.executeAsync(begin.bind(from.nextOffset(),
        from.estimator() == null ? null : ByteBuffer.wrap(from.estimator()),
        from.negatives() == null ? null : ByteBuffer.wrap(from.negatives()), group, partition)).thenApply(rs -> null);
  }

  public CompletionStage<Optional<Position>> read(String group, int partition) {
    return session.executeAsync(select.bind(group, partition)).thenApply(AsyncResultSet::one).thenApply(row -> {
      if (row == null) return Optional.empty();
      return Optional.of(new Position(row.isNull("next_offset") ? 0 : row.getLong("next_offset"),
          bytes(row.getByteBuffer("intent")), bytes(row.getByteBuffer("estimator")),
          bytes(row.getByteBuffer("negatives"))));
    });
  }

  /**
   * The position as of every compare-and-set so far (a serial read), with {@code next_offset} set to 0 first where
   * the row has none: the learner's writes compare against it.
   */
  public CompletionStage<Position> latest(String group, int partition) {
    return session.executeAsync(init.bind(group, partition))
        .thenCompose(ignored -> session.executeAsync(select.bind(group, partition)
            .setConsistencyLevel(ConsistencyLevel.SERIAL)))
        .thenApply(AsyncResultSet::one)
        .thenApply(row -> new Position(row.getLong("next_offset"), bytes(row.getByteBuffer("intent")),
            bytes(row.getByteBuffer("estimator")), bytes(row.getByteBuffer("negatives"))));
  }

  /**
   * Records the batch about to be applied (with the estimate and the negative pool as they are after it) if the
   * partition stands at {@code expected} with no batch pending; false, and nothing written, otherwise.
   */
  public CompletionStage<Boolean> intendAt(String group, int partition, long expected, byte[] intent,
      byte[] estimator, byte[] negatives) {
    return session.executeAsync(intendAt.bind(ByteBuffer.wrap(intent),
        estimator == null ? null : ByteBuffer.wrap(estimator), negatives == null ? null : ByteBuffer.wrap(negatives),
        group, partition, expected)).thenApply(AsyncResultSet::wasApplied);
  }

  /** The pending batch is applied: moves the partition from {@code expected} to {@code nextOffset}, if still there. */
  public CompletionStage<Boolean> advanceFrom(String group, int partition, long expected, long nextOffset) {
    return session.executeAsync(advanceFrom.bind(nextOffset, group, partition, expected))
        .thenApply(AsyncResultSet::wasApplied);
  }

  /** Records with nothing to learn: moves from {@code expected} to {@code nextOffset} if no batch is pending there. */
  public CompletionStage<Boolean> passFrom(String group, int partition, long expected, long nextOffset) {
    return session.executeAsync(passFrom.bind(nextOffset, group, partition, expected))
        .thenApply(AsyncResultSet::wasApplied);
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) return null;
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
