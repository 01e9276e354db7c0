package storage;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
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

  /** Most items of a user {@link #seen} reads (the newest rows of user_seen are not first: item order). */
  public static final int SEEN_LIMIT = 5000;

  /** Impressions and positives of one item, to add. */
  public record CountDelta(long impressions, long positives) {
    public CountDelta plus(CountDelta o) {
      return new CountDelta(impressions + o.impressions, positives + o.positives);
    }
  }

  public record Exposures(long today, long total) {}

  /**
   * An item's impressions per UTC day since some day, and the last of those days with any impression or positive
   * interaction (null if none): what tier migration decides on.
   */
  public record DailyActivity(Map<LocalDate, Long> impressionsByDay, LocalDate lastActiveDay) {}

  private final CqlSession session;
  private final CqlIdentifier keyspace;
  private final PreparedStatement insertHistory;
  private final PreparedStatement selectHistory;
  private final PreparedStatement trimHistory;
  private final PreparedStatement insertSeen;
  private final PreparedStatement selectSeen;
  private final PreparedStatement addDaily;
  private final PreparedStatement selectDaily;
  private final PreparedStatement selectTotal;
  private final PreparedStatement selectDays;

  public InteractionStore(CqlSession session, String keyspace) {
    this.session = session;
    this.keyspace = CqlIdentifier.fromCql(keyspace);
    insertHistory = session.prepare("INSERT INTO " + keyspace + ".user_history (user_id, ts, item_id, type) "
        + "VALUES (?, ?, ?, ?)");
    selectHistory = session.prepare("SELECT user_id, ts, item_id, type FROM " + keyspace
        + ".user_history WHERE user_id = ? LIMIT ?");
    insertSeen = session.prepare("INSERT INTO " + keyspace + ".user_seen (user_id, item_id) VALUES (?, ?)");
    selectSeen = session.prepare("SELECT item_id FROM " + keyspace + ".user_seen WHERE user_id = ? LIMIT ?");
    trimHistory = session.prepare("DELETE FROM " + keyspace + ".user_history WHERE user_id = ? AND ts < ?");
    addDaily = session.prepare("UPDATE " + keyspace + ".item_daily_counts SET impressions = impressions + ?, "
        + "positives = positives + ? WHERE item_id = ? AND day = ?");
    selectDaily = session.prepare("SELECT impressions FROM " + keyspace
        + ".item_daily_counts WHERE item_id = ? AND day = ?");
    // The total is the sum of the item's days (one partition): a second counter table for it doubled the cost
    // of every counter write, while totals are read only by GET /v1/items and a shard's start.
    selectTotal = session.prepare("SELECT sum(impressions) FROM " + keyspace
        + ".item_daily_counts WHERE item_id = ?");
    selectDays = session.prepare("SELECT day, impressions, positives FROM " + keyspace
        + ".item_daily_counts WHERE item_id = ? AND day >= ?");
  }

  /**
   * Appends interactions to their users' histories and seen items (idempotent: the same event twice is one row),
   * then trims a touched user's history to the newest {@link #HISTORY_LIMIT} when {@link #trimDue} draws it.
   */
  public CompletionStage<Void> appendHistory(List<HistoryEntry> entries) {
    Map<String, List<HistoryEntry>> byUser = new LinkedHashMap<>();
    for (HistoryEntry e : entries) byUser.computeIfAbsent(e.userId(), u -> new ArrayList<>()).add(e);
    List<BoundStatement> inserts = new ArrayList<>(entries.size());
    for (List<HistoryEntry> user : byUser.values()) {
      for (HistoryEntry e : user) inserts.add(insertHistory.bind(e.userId(), e.ts(), e.itemId(), e.type()));
      Set<String> items = new LinkedHashSet<>();
      for (HistoryEntry e : user) items.add(e.itemId());
      String userId = user.get(0).userId();
      for (String item : items) inserts.add(insertSeen.bind(userId, item));
    }
    // Trims wait for all the rows: a trim must see the rows it cuts behind.
    return executeAll(ReplicaBatches.of(session, keyspace, inserts, 1, BatchType.UNLOGGED,
        ReplicaBatches.MAX_STATEMENTS)).thenCompose(written -> {
          List<CompletableFuture<Void>> trims = new ArrayList<>();
          for (var user : byUser.entrySet()) {
            if (trimDue(user.getKey(), user.getValue())) trims.add(trim(user.getKey()).toCompletableFuture());
          }
          return CompletableFuture.allOf(trims.toArray(CompletableFuture[]::new));
        });
  }

  private CompletionStage<Void> executeAll(List<BatchStatement> batches) {
    List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>(batches.size());
    for (BatchStatement b : batches) writes.add(session.executeAsync(b).toCompletableFuture());
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** Sends {@code batches}, at most {@code inFlight} at once. */
  private CompletionStage<Void> executeAll(List<BatchStatement> batches, int inFlight) {
    streams.AsyncLimit limit = new streams.AsyncLimit(inFlight);
    List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>(batches.size());
    for (BatchStatement b : batches) writes.add(limit.submit(() -> session.executeAsync(b)).toCompletableFuture());
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

  /** Items the user was shown or acted on in the last 90 days, at most {@link #SEEN_LIMIT}. */
  public CompletionStage<Set<String>> seen(String userId) {
    return session.executeAsync(selectSeen.bind(userId, SEEN_LIMIT)).thenApply(rs -> {
      Set<String> out = new java.util.HashSet<>();
      for (Row r : rs.currentPage()) out.add(r.getString("item_id"));
      return out;
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

  /**
   * Counter batches of one {@link #addCounts} call in flight at once. A call may carry a whole exposure window
   * (tens of thousands of items); sent at once, its batches queued every other write in Cassandra behind them
   * (history writes timed out after 5 s in bench learn).
   */
  static final int COUNTER_BATCHES_IN_FLIGHT = 4;

  /** Adds exposure and positive counts per item for the UTC day of {@code at}. */
  public CompletionStage<Void> addCounts(Map<String, CountDelta> deltas, Instant at) {
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    List<BoundStatement> updates = new ArrayList<>(deltas.size());
    for (var e : deltas.entrySet()) {
      CountDelta d = e.getValue();
      updates.add(addDaily.bind(d.impressions(), d.positives(), e.getKey(), day));
    }
    return executeAll(ReplicaBatches.of(session, keyspace, updates, 1, BatchType.COUNTER,
        ReplicaBatches.MAX_STATEMENTS), COUNTER_BATCHES_IN_FLIGHT);
  }

  public CompletionStage<Exposures> exposures(String itemId, Instant now) {
    LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
    var today = session.executeAsync(selectDaily.bind(itemId, day)).toCompletableFuture();
    var total = session.executeAsync(selectTotal.bind(itemId)).toCompletableFuture();
    return today.thenCombine(total, (t, a) -> new Exposures(count(t.one()), count(a.one())));
  }

  /** The item's daily counts from {@code fromDay} (UTC) on. */
  public CompletionStage<DailyActivity> activity(String itemId, LocalDate fromDay) {
    return session.executeAsync(selectDays.bind(itemId, fromDay)).thenApply(rs -> {
      Map<LocalDate, Long> impressions = new LinkedHashMap<>();
      LocalDate lastActive = null;
      for (Row r : rs.currentPage()) { // one row per day: a few dozen at most, one page
        LocalDate day = r.getLocalDate("day");
        long shown = r.isNull("impressions") ? 0 : r.getLong("impressions");
        long liked = r.isNull("positives") ? 0 : r.getLong("positives");
        impressions.put(day, shown);
        if ((shown > 0 || liked > 0) && (lastActive == null || day.isAfter(lastActive))) lastActive = day;
      }
      return new DailyActivity(impressions, lastActive);
    });
  }

  private static long count(Row row) {
    return row == null || row.isNull(0) ? 0 : row.getLong(0);
  }
}
