package storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.concurrent.CompletableFuture;
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

  /** A write by a learner that no longer holds the partition: another node claimed it since. */
  public static final class NotOwner extends IllegalStateException {
    public NotOwner(String group, int partition) {
      super("learner " + group + " partition " + partition + " is held by another node now");
    }
  }

  private final CqlSession session;
  private final PreparedStatement select;
  private final PreparedStatement selectOwner;
  private final PreparedStatement create;
  private final PreparedStatement takeOver;
  private final PreparedStatement writeIntent;
  private final PreparedStatement advance;

  public LearnerState(CqlSession session, String keyspace) {
    this.session = session;
    String table = keyspace + ".learner_state";
    // Every write is a lightweight transaction and every read serial: a partition's writes are ordered by Paxos, so
    // a claim is seen by the writes after it (mixing plain writes into them would break that order).
    select = session.prepare(
        "SELECT next_offset, intent, estimator, negatives FROM " + table + " WHERE grp = ? AND part = ?");
    selectOwner = session.prepare("SELECT owner FROM " + table + " WHERE grp = ? AND part = ?");
    create = session.prepare("INSERT INTO " + table + " (grp, part, owner) VALUES (?, ?, ?) IF NOT EXISTS");
    takeOver = session.prepare("UPDATE " + table + " SET owner = ? WHERE grp = ? AND part = ? IF owner = ?");
    writeIntent = session.prepare("UPDATE " + table
        + " SET intent = ?, estimator = ?, negatives = ? WHERE grp = ? AND part = ? IF owner = ?");
    advance = session.prepare(
        "UPDATE " + table + " SET next_offset = ?, intent = null WHERE grp = ? AND part = ? IF owner = ?");
  }

  public CompletionStage<Optional<Position>> read(String group, int partition) {
    return session.executeAsync(select.bind(group, partition).setConsistencyLevel(ConsistencyLevel.SERIAL))
        .thenApply(AsyncResultSet::one).thenApply(row -> {
      if (row == null) return Optional.empty();
      return Optional.of(new Position(row.isNull("next_offset") ? 0 : row.getLong("next_offset"),
          bytes(row.getByteBuffer("intent")), bytes(row.getByteBuffer("estimator")),
          bytes(row.getByteBuffer("negatives"))));
    });
  }

  /**
   * Makes {@code owner} (a token of this assignment) the partition's only writer: an earlier holder's writes
   * fail from now on ({@link NotOwner}). Read the position after the claim: it then holds every write the earlier
   * holder made.
   */
  public CompletionStage<Void> claim(String group, int partition, String owner) {
    return claim(group, partition, owner, 10);
  }

  private CompletionStage<Void> claim(String group, int partition, String owner, int attempts) {
    if (attempts == 0) return CompletableFuture.failedFuture(new NotOwner(group, partition));
    return session.executeAsync(selectOwner.bind(group, partition).setConsistencyLevel(ConsistencyLevel.SERIAL))
        .thenCompose(rs -> {
          Row row = rs.one();
          var statement = row == null ? create.bind(group, partition, owner)
              : takeOver.bind(owner, group, partition, row.getString("owner"));
          return session.executeAsync(statement);
        })
        // Another node claimed at the same moment: claim again over it (the last claim wins, the other's writes fail).
        .thenCompose(rs -> rs.wasApplied() ? CompletableFuture.<Void>completedFuture(null)
            : claim(group, partition, owner, attempts - 1));
  }

  /** Records the batch about to be applied, with the estimate and the negative pool as they are after it. */
  public CompletionStage<Void> intend(String group, int partition, String owner, byte[] intent, byte[] estimator,
      byte[] negatives) {
    return session.executeAsync(writeIntent.bind(ByteBuffer.wrap(intent),
        estimator == null ? null : ByteBuffer.wrap(estimator), negatives == null ? null : ByteBuffer.wrap(negatives),
        group, partition, owner)).thenAccept(rs -> requireOwner(rs, group, partition));
  }

  /** The batch is applied: learning goes on from {@code nextOffset}. */
  public CompletionStage<Void> advance(String group, int partition, String owner, long nextOffset) {
    return session.executeAsync(advance.bind(nextOffset, group, partition, owner))
        .thenAccept(rs -> requireOwner(rs, group, partition));
  }

  private static void requireOwner(AsyncResultSet rs, String group, int partition) {
    if (!rs.wasApplied()) throw new NotOwner(group, partition);
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) return null;
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
