package storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where the online learner stands in each partition (table {@code learner_state}); the learner keeps its
 * offsets here rather than in Kafka so that the offset, the batch in flight and the frequency estimate move
 * together.
 */
public final class LearnerState {

  /** {@code intent}: the encoded batch being applied, or null; {@code estimator}: bytes, or null. */
  public record Position(long nextOffset, byte[] intent, byte[] estimator) {}

  private final CqlSession session;
  private final PreparedStatement select;
  private final PreparedStatement writeIntent;
  private final PreparedStatement advance;

  public LearnerState(CqlSession session, String keyspace) {
    this.session = session;
    String table = keyspace + ".learner_state";
    select = session.prepare("SELECT next_offset, intent, estimator FROM " + table + " WHERE grp = ? AND part = ?");
    writeIntent = session.prepare("UPDATE " + table + " SET intent = ?, estimator = ? WHERE grp = ? AND part = ?");
    advance = session.prepare("UPDATE " + table + " SET next_offset = ?, intent = null WHERE grp = ? AND part = ?");
  }

  public CompletionStage<Optional<Position>> read(String group, int partition) {
    return session.executeAsync(select.bind(group, partition)).thenApply(AsyncResultSet::one).thenApply(row -> {
      if (row == null) return Optional.empty();
      return Optional.of(new Position(row.isNull("next_offset") ? 0 : row.getLong("next_offset"),
          bytes(row.getByteBuffer("intent")), bytes(row.getByteBuffer("estimator"))));
    });
  }

  /** Records the batch about to be applied, with the estimate as it is after the batch. */
  public CompletionStage<Void> intend(String group, int partition, byte[] intent, byte[] estimator) {
    return session.executeAsync(writeIntent.bind(ByteBuffer.wrap(intent),
        estimator == null ? null : ByteBuffer.wrap(estimator), group, partition)).thenApply(rs -> null);
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
