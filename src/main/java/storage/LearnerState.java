package storage;

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

  public LearnerState(CqlSession session, String keyspace) {
    this.session = session;
    String table = keyspace + ".learner_state";
    select = session.prepare(
        "SELECT next_offset, intent, estimator, negatives FROM " + table + " WHERE grp = ? AND part = ?");
    writeIntent = session.prepare(
        "UPDATE " + table + " SET intent = ?, estimator = ?, negatives = ? WHERE grp = ? AND part = ?");
    advance = session.prepare("UPDATE " + table + " SET next_offset = ?, intent = null WHERE grp = ? AND part = ?");
  }

  public CompletionStage<Optional<Position>> read(String group, int partition) {
    return session.executeAsync(select.bind(group, partition)).thenApply(AsyncResultSet::one).thenApply(row -> {
      if (row == null) return Optional.empty();
      return Optional.of(new Position(row.isNull("next_offset") ? 0 : row.getLong("next_offset"),
          bytes(row.getByteBuffer("intent")), bytes(row.getByteBuffer("estimator")),
          bytes(row.getByteBuffer("negatives"))));
    });
  }

  /** Records the batch about to be applied, with the estimate and the negative pool as they are after it. */
  public CompletionStage<Void> intend(String group, int partition, byte[] intent, byte[] estimator, byte[] negatives) {
    return session.executeAsync(writeIntent.bind(ByteBuffer.wrap(intent),
        estimator == null ? null : ByteBuffer.wrap(estimator), negatives == null ? null : ByteBuffer.wrap(negatives),
        group, partition)).thenApply(rs -> null);
  }

  /** The batch is applied: learning goes on from {@code nextOffset}. */
  public CompletionStage<Void> advance(String group, int partition, long nextOffset) {
    return session.executeAsync(advance.bind(nextOffset, group, partition)).thenApply(rs -> null);
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) return null;
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
