package storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The table {@code uploader_means}: one uploader's mean item vector and how many items it holds. Changes are
 * compare-and-set on the count (a Cassandra lightweight transaction), so concurrent writers from several nodes
 * cannot overwrite each other's items; reads are serial, so a writer that lost a race sees the winner's row.
 */
public final class UploaderMeanStore {

  /** A stored mean: {@code count} items folded in. */
  public record Stored(float[] mean, long count) {}

  private final CqlSession session;
  private final PreparedStatement select;
  private final PreparedStatement insert;
  private final PreparedStatement update;

  public UploaderMeanStore(CqlSession session, String keyspace) {
    this.session = session;
    String table = keyspace + ".uploader_means";
    select = session.prepare("SELECT mean, item_count FROM " + table + " WHERE uploader_id = ?");
    insert = session.prepare("INSERT INTO " + table + " (uploader_id, mean, item_count) VALUES (?, ?, ?) IF NOT EXISTS");
    update = session.prepare("UPDATE " + table + " SET mean = ?, item_count = ? WHERE uploader_id = ? IF item_count = ?");
  }

  public CompletionStage<Optional<Stored>> read(String uploaderId) {
    return session.executeAsync(select.bind(uploaderId).setConsistencyLevel(ConsistencyLevel.SERIAL))
        .thenApply(AsyncResultSet::one).thenApply(UploaderMeanStore::stored);
  }

  /**
   * Writes {@code next} if the uploader's row is still {@code expected} (null: no row yet).
   *
   * @return whether it was written; false when another writer changed the row first (read it again)
   */
  public CompletionStage<Boolean> replace(String uploaderId, Stored expected, Stored next) {
    var statement = expected == null
        ? insert.bind(uploaderId, ItemStore.encode(next.mean()), next.count())
        : update.bind(ItemStore.encode(next.mean()), next.count(), uploaderId, expected.count());
    return session.executeAsync(statement).thenApply(AsyncResultSet::wasApplied);
  }

  private static Optional<Stored> stored(Row row) {
    if (row == null || row.isNull("mean")) return Optional.empty();
    return Optional.of(new Stored(ItemStore.decode(row.getByteBuffer("mean")), row.getLong("item_count")));
  }
}
