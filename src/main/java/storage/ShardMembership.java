package storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Which items belong to which retrieval shard ({@code items_by_shard}), so a shard can rebuild itself. */
public final class ShardMembership {

  /** Partitions per shard: keeps a shard's rows spread over several Cassandra partitions. */
  public static final int PARTS = 64;

  private final CqlSession session;
  private final PreparedStatement insert;
  private final PreparedStatement delete;
  private final PreparedStatement select;

  public ShardMembership(CqlSession session, String keyspace) {
    this.session = session;
    insert = session.prepare("INSERT INTO " + keyspace + ".items_by_shard (shard, part, item_id) VALUES (?, ?, ?)");
    delete = session.prepare("DELETE FROM " + keyspace + ".items_by_shard WHERE shard = ? AND part = ? AND item_id = ?");
    select = session.prepare("SELECT item_id FROM " + keyspace + ".items_by_shard WHERE shard = ? AND part = ?");
  }

  public CompletionStage<Void> add(int shard, int part, String itemId) {
    return session.executeAsync(insert.bind(shard, part, itemId)).thenApply(rs -> null);
  }

  public CompletionStage<Void> remove(int shard, int part, String itemId) {
    return session.executeAsync(delete.bind(shard, part, itemId)).thenApply(rs -> null);
  }

  /** Streams every item id of a shard to {@code sink}, page by page; the next page waits for the last. */
  public CompletionStage<Long> forEach(int shard, Function<List<String>, CompletionStage<Void>> sink) {
    CompletionStage<Long> done = CompletableFuture.completedFuture(0L);
    for (int part = 0; part < PARTS; part++) {
      int p = part;
      done = done.thenCompose(n -> session.executeAsync(select.bind(shard, p))
          .thenCompose(rs -> drain(rs, sink, n)));
    }
    return done;
  }

  /** Every item id in one part of a shard (tier migration walks the parts one at a time). */
  public CompletionStage<List<String>> idsInPart(int shard, int part) {
    List<String> ids = new ArrayList<>();
    return session.executeAsync(select.bind(shard, part))
        .thenCompose(rs -> drain(rs, page -> {
          ids.addAll(page);
          return CompletableFuture.completedFuture(null);
        }, 0))
        .thenApply(n -> ids);
  }

  private static CompletionStage<Long> drain(AsyncResultSet rs, Function<List<String>, CompletionStage<Void>> sink,
      long seen) {
    List<String> page = new ArrayList<>();
    for (Row r : rs.currentPage()) page.add(r.getString("item_id"));
    long total = seen + page.size();
    return sink.apply(page).thenCompose(ignored -> rs.hasMorePages()
        ? rs.fetchNextPage().thenCompose(next -> drain(next, sink, total))
        : CompletableFuture.completedFuture(total));
  }
}
