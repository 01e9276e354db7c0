package storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** User histories and per-item exposure counters (DataStax driver, async). */
public final class InteractionStore {

  /** How many interactions of a user are kept (and read). */
  public static final int HISTORY_LIMIT = 200;

  /**
   * Appends per trim, on average. A trim reads the user's newest rows to find the cut, so trimming on every
   * append cost one partition read per event (the largest share of Cassandra's CPU under a 100k-user stream).
   * A user is trimmed with probability appended / TRIM_EVERY instead: a partition holds about HISTORY_LIMIT +
   * TRIM_EVERY rows, and reads stop at HISTORY_LIMIT either way.
   */
  static final int TRIM_EVERY = 50;

  /** Impressions and positives of one item, to add. */
  public record CountDelta(long impressions, long positives) {
    public CountDelta plus(CountDelta o) {
      return new CountDelta(impressions + o.impressions, positives + o.positives);
    }
  }

  public record Exposures(long today, long total) {}

  private final CqlSession session;
  private final PreparedStatement insertHistory;
  private final PreparedStatement selectHistory;
  private final PreparedStatement trimHistory;
  private final PreparedStatement addDaily;
  private final PreparedStatement addTotal;
  private final PreparedStatement selectDaily;
  private final PreparedStatement selectTotal;

  public InteractionStore(CqlSession session, String keyspace) {
    this.session = session;
    insertHistory = session.prepare("INSERT INTO " + keyspace + ".user_history (user_id, ts, item_id, type) "
        + "VALUES (?, ?, ?, ?)");
    selectHistory = session.prepare("SELECT user_id, ts, item_id, type FROM " + keyspace
        + ".user_history WHERE user_id = ? LIMIT ?");
    trimHistory = session.prepare("DELETE FROM " + keyspace + ".user_history WHERE user_id = ? AND ts < ?");
    addDaily = session.prepare("UPDATE " + keyspace + ".item_daily_counts SET impressions = impressions + ?, "
        + "positives = positives + ? WHERE item_id = ? AND day = ?");
    addTotal = session.prepare("UPDATE " + keyspace + ".item_total_counts SET impressions = impressions + ?, "
        + "positives = positives + ? WHERE item_id = ?");
    selectDaily = session.prepare("SELECT impressions FROM " + keyspace
        + ".item_daily_counts WHERE item_id = ? AND day = ?");
    selectTotal = session.prepare("SELECT impressions FROM " + keyspace + ".item_total_counts WHERE item_id = ?");
  }

  /**
   * Appends interactions to their users' histories (idempotent: the same event twice is one row), then trims
   * a touched user to the newest {@link #HISTORY_LIMIT} when {@link #trimDue} draws it.
   */
  public CompletionStage<Void> appendHistory(List<HistoryEntry> entries) {
    Map<String, List<HistoryEntry>> byUser = new LinkedHashMap<>();
    for (HistoryEntry e : entries) byUser.computeIfAbsent(e.userId(), u -> new ArrayList<>()).add(e);
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (var user : byUser.entrySet()) {
      // One partition per batch: an unlogged single-partition batch is one mutation.
      var batch = BatchStatement.builder(BatchType.UNLOGGED);
      for (HistoryEntry e : user.getValue()) batch.addStatement(insertHistory.bind(e.userId(), e.ts(), e.itemId(), e.type()));
      CompletionStage<?> write = session.executeAsync(batch.build());
      if (trimDue(user.getKey(), user.getValue())) write = write.thenCompose(rs -> trim(user.getKey()));
      writes.add(write.thenApply(ignored -> (Void) null).toCompletableFuture());
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /**
   * Whether appending {@code appended} to a user's history should trim it: a draw with probability
   * |appended| / {@link #TRIM_EVERY}, seeded by the user and the newest timestamp, so a replayed batch draws the
   * same.
   */
  static boolean trimDue(String userId, List<HistoryEntry> appended) {
    if (appended.size() >= TRIM_EVERY) return true;
    long newest = 0;
    for (HistoryEntry e : appended) newest = Math.max(newest, e.ts().toEpochMilli());
    long h = org.apache.commons.codec.digest.MurmurHash3.hash128x64(
        (userId + '@' + newest).getBytes(java.nio.charset.StandardCharsets.UTF_8))[0];
    return Math.floorMod(h, TRIM_EVERY) < appended.size();
  }

  private CompletionStage<Void> trim(String userId) {
    return session.executeAsync(selectHistory.bind(userId, HISTORY_LIMIT + 1)).thenCompose(rs -> {
      Row oldestKept = null;
      int n = 0;
      for (Row r : rs.currentPage()) {
        if (n++ == HISTORY_LIMIT - 1) oldestKept = r;
      }
      if (n <= HISTORY_LIMIT || oldestKept == null) return CompletableFuture.completedFuture(null);
      return session.executeAsync(trimHistory.bind(userId, oldestKept.getInstant("ts"))).thenApply(ignored -> null);
    });
  }

  /** The newest interactions of a user, newest first. */
  public CompletionStage<List<HistoryEntry>> history(String userId, int limit) {
    return session.executeAsync(selectHistory.bind(userId, Math.min(limit, HISTORY_LIMIT))).thenApply(rs -> {
      List<HistoryEntry> out = new ArrayList<>();
      for (Row r : rs.currentPage()) {
        out.add(new HistoryEntry(r.getString("user_id"), r.getString("item_id"), r.getString("type"),
            r.getInstant("ts")));
      }
      return out;
    });
  }

  /** Adds exposure and positive counts per item for the UTC day of {@code at}. */
  public CompletionStage<Void> addCounts(Map<String, CountDelta> deltas, Instant at) {
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>();
    for (var e : deltas.entrySet()) {
      CountDelta d = e.getValue();
      // Both tables are partitioned by item: one counter batch is one mutation (one lock, one request).
      writes.add(session.executeAsync(BatchStatement.builder(BatchType.COUNTER)
          .addStatement(addDaily.bind(d.impressions(), d.positives(), e.getKey(), day))
          .addStatement(addTotal.bind(d.impressions(), d.positives(), e.getKey()))
          .build()).toCompletableFuture());
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  public CompletionStage<Exposures> exposures(String itemId, Instant now) {
    LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
    var today = session.executeAsync(selectDaily.bind(itemId, day)).toCompletableFuture();
    var total = session.executeAsync(selectTotal.bind(itemId)).toCompletableFuture();
    return today.thenCombine(total, (t, a) -> new Exposures(count(t.one()), count(a.one())));
  }

  private static long count(Row row) {
    return row == null || row.isNull("impressions") ? 0 : row.getLong("impressions");
  }
}
