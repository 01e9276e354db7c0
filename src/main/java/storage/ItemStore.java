package storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The items table (DataStax driver, async). */
public final class ItemStore {

  /**
   * Bounds of the record cache behind {@link #findRecent}: at most {@code maxItems} records, each at most
   * {@code ttl} old. Writes through this store invalidate at once; {@code ttl} bounds how long a change made
   * through another node's store goes unseen. {@code maxItems} 0 turns the cache off.
   */
  public record RecordCache(long maxItems, java.time.Duration ttl) {
    public static final RecordCache OFF = new RecordCache(0, java.time.Duration.ZERO);
  }

  /** The outcome of an insert-if-absent: the row that is now stored, and whether this call created it. */
  public record Registration(ItemRecord record, boolean created) {}

  private final CqlSession session;
  private final PreparedStatement insert;
  private final PreparedStatement updateMetadata;
  private final PreparedStatement markCounted;
  private final PreparedStatement selectOne;
  private final PreparedStatement deleteOne;
  private final PreparedStatement movePlacement;
  private final PreparedStatement expirePlacement;
  /**
   * Recently found records. An async cache so that an invalidation during a read in flight discards that
   * read's (possibly older) result instead of caching it.
   */
  private final AsyncCache<String, ItemRecord> recent;

  private ItemStore(CqlSession session, String keyspace, RecordCache cache) {
    this.session = session;
    this.recent = cache.maxItems() <= 0 ? null
        : Caffeine.newBuilder().maximumSize(cache.maxItems()).expireAfterWrite(cache.ttl()).buildAsync();
    String cols = "item_id, title, tags, category, uploader_id, created_at, image_vector, tier, bucket, slot, "
        + "counted, registered_at, updated_at, text_head, anchor, moved_at, expired_at, move_run";
    String insertCols = "item_id, title, tags, category, uploader_id, created_at, image_vector, tier, bucket, slot, "
        + "counted, registered_at, updated_at, text_head";
    this.insert = session.prepare("INSERT INTO " + keyspace + ".items (" + insertCols
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?)");
    this.updateMetadata = session.prepare("UPDATE " + keyspace + ".items SET title = ?, tags = ?, category = ?, "
        + "uploader_id = ?, created_at = ?, image_vector = ?, updated_at = ?, text_head = ? WHERE item_id = ?");
    // Counting an item ends an expiry: it is back in its tier's occupancy.
    this.markCounted = session.prepare("UPDATE " + keyspace + ".items SET counted = true, expired_at = null "
        + "WHERE item_id = ?");
    // IF EXISTS (a lightweight transaction): a plain UPDATE of an item deleted meanwhile would bring back a row
    // with a placement and nothing else. Moves are rare next to registrations, so the Paxos round is affordable.
    this.movePlacement = session.prepare("UPDATE " + keyspace + ".items SET tier = ?, bucket = ?, slot = ?, "
        + "anchor = ?, moved_at = ?, move_run = ? WHERE item_id = ? IF EXISTS");
    this.expirePlacement = session.prepare("UPDATE " + keyspace + ".items SET tier = ?, bucket = ?, slot = ?, "
        + "counted = false, expired_at = ?, anchor = null, moved_at = null, move_run = ? WHERE item_id = ? IF EXISTS");
    this.selectOne = session.prepare("SELECT " + cols + " FROM " + keyspace + ".items WHERE item_id = ?");
    this.deleteOne = session.prepare("DELETE FROM " + keyspace + ".items WHERE item_id = ?");
  }

  /** Creates the keyspace and tables if missing and asked to (idempotent), then prepares the statements. */
  public static ItemStore open(CqlSession session, String keyspace, int replicationFactor, boolean createSchema) {
    return open(session, keyspace, replicationFactor, createSchema, RecordCache.OFF);
  }

  public static ItemStore open(CqlSession session, String keyspace, int replicationFactor, boolean createSchema,
      RecordCache cache) {
    if (!keyspace.matches("[a-z][a-z0-9_]{0,47}")) throw new IllegalArgumentException("bad keyspace name " + keyspace);
    if (createSchema) {
      for (String statement : schema(keyspace, replicationFactor)) session.execute(statement);
      addMissingColumns(session, keyspace);
    }
    return new ItemStore(session, keyspace, cache);
  }

  /** Columns added after a table was first created (CREATE TABLE IF NOT EXISTS leaves an old table as it is). */
  private static void addMissingColumns(CqlSession session, String keyspace) {
    boolean hasTextHead = session.refreshSchema().getKeyspace(keyspace)
        .flatMap(k -> k.getTable("items"))
        .map(t -> t.getColumn("text_head").isPresent())
        .orElse(true);
    if (!hasTextHead) session.execute("ALTER TABLE " + keyspace + ".items ADD text_head blob");
    boolean hasNegatives = session.refreshSchema().getKeyspace(keyspace)
        .flatMap(k -> k.getTable("learner_state"))
        .map(t -> t.getColumn("negatives").isPresent())
        .orElse(true);
    if (!hasNegatives) session.execute("ALTER TABLE " + keyspace + ".learner_state ADD negatives blob");
    // Tier migration's columns (see ItemRecord).
    var items = session.refreshSchema().getKeyspace(keyspace).flatMap(k -> k.getTable("items"));
    for (String[] column : new String[][] {
        {"anchor", "blob"}, {"moved_at", "timestamp"}, {"expired_at", "timestamp"}, {"move_run", "text"}}) {
      boolean has = items.map(t -> t.getColumn(column[0]).isPresent()).orElse(true);
      if (!has) session.execute("ALTER TABLE " + keyspace + ".items ADD " + column[0] + " " + column[1]);
    }
  }

  static List<String> schema(String keyspace, int replicationFactor) {
    try (InputStream in = ItemStore.class.getResourceAsStream("/schema.cql")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("${keyspace}", keyspace)
          .replace("${replication_factor}", Integer.toString(replicationFactor))
          .replaceAll("(?m)^\\s*--.*$", "");
      return java.util.Arrays.stream(text.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read schema.cql", e);
    }
  }

  /**
   * Inserts the item if it is new, else replaces its metadata and keeps its placement. Read, then write, no
   * lightweight transaction (two Paxos rounds cost 5× the throughput here): placement is a function of the id,
   * so two concurrent first registrations write the same row, and the occupancy count they both ask for is
   * deduplicated by operation id in the range. The only trace of such a race is that both may report
   * "created".
   */
  public CompletionStage<Registration> register(String itemId, ItemRecord.ItemMetadata m, String tier, int bucket,
      int slot, Instant now, float[] textHead) {
    return find(itemId).thenCompose(found -> {
      if (found.isEmpty()) {
        var row = insert.bind(itemId, m.title(), m.tags(), m.category(), m.uploaderId(), m.createdAt(),
            encode(m.imageVector()), tier, bucket, slot, now, now, encode(textHead));
        return session.executeAsync(row).thenApply(rs -> forget(itemId)).thenApply(rs ->
            new Registration(new ItemRecord(itemId, m, tier, bucket, slot, false, now, now, textHead), true));
      }
      ItemRecord existing = found.get();
      var update = updateMetadata.bind(m.title(), m.tags(), m.category(), m.uploaderId(), m.createdAt(),
          encode(m.imageVector()), now, encode(textHead), itemId);
      return session.executeAsync(update).thenApply(ignored -> forget(itemId)).thenApply(ignored -> new Registration(
          new ItemRecord(itemId, m, existing.tier(), existing.bucket(), existing.slot(), existing.counted(),
              existing.registeredAt(), now, textHead, existing.anchor(), existing.movedAt(), existing.expiredAt(),
              existing.moveRun()), false));
    });
  }

  public CompletionStage<Void> markCounted(String itemId) {
    return session.executeAsync(markCounted.bind(itemId)).thenApply(rs -> forget(itemId));
  }

  /**
   * Commits a tier move: the item's new row, the anchor it is blended from and when, and the run that moved it.
   * False if the item was deleted meanwhile.
   */
  public CompletionStage<Boolean> move(String itemId, String tier, int bucket, int slot, float[] anchor,
      Instant movedAt, String runId) {
    return session.executeAsync(movePlacement.bind(tier, bucket, slot, encode(anchor), movedAt, runId, itemId))
        .thenApply(rs -> {
          forget(itemId);
          return rs.wasApplied();
        });
  }

  /**
   * Commits an expiry: the item leaves its tier's occupancy ({@code counted} false) and waits at {@code bucket} of
   * {@code tier} (where it starts again when it returns); its metadata stays. False if it was deleted meanwhile.
   */
  public CompletionStage<Boolean> expire(String itemId, String tier, int bucket, Instant expiredAt, String runId) {
    return session.executeAsync(expirePlacement.bind(tier, bucket, -1, expiredAt, runId, itemId))
        .thenApply(rs -> {
          forget(itemId);
          return rs.wasApplied();
        });
  }

  public CompletionStage<Void> delete(String itemId) {
    return session.executeAsync(deleteOne.bind(itemId)).thenApply(rs -> forget(itemId));
  }

  /**
   * Records of many items, from the cache where there (each at most the cache's ttl old), else read; unknown
   * items are left out. For readers that tolerate that age: the learner and re-indexing. Authoritative reads
   * (registration, delete, the item API) use {@link #find}.
   */
  public CompletionStage<Map<String, ItemRecord>> findRecent(Collection<String> itemIds) {
    List<CompletableFuture<ItemRecord>> finds = new ArrayList<>(itemIds.size());
    for (String id : itemIds) {
      finds.add(recent == null ? find(id).thenApply(o -> o.orElse(null)).toCompletableFuture()
          : recent.get(id, (key, executor) -> find(key).thenApply(o -> o.orElse(null)).toCompletableFuture()));
    }
    return CompletableFuture.allOf(finds.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      Map<String, ItemRecord> out = new LinkedHashMap<>();
      for (var f : finds) {
        ItemRecord r = f.join();
        if (r != null) out.put(r.itemId(), r);
      }
      return out;
    });
  }

  private Void forget(String itemId) {
    if (recent != null) recent.synchronous().invalidate(itemId);
    return null;
  }

  public CompletionStage<Optional<ItemRecord>> find(String itemId) {
    return session.executeAsync(selectOne.bind(itemId))
        .thenApply(AsyncResultSet::one)
        .thenApply(row -> Optional.ofNullable(row).map(ItemStore::read));
  }

  private static ItemRecord read(Row r) {
    var meta = new ItemRecord.ItemMetadata(r.getString("title"), r.getList("tags", String.class),
        r.getString("category"), r.getString("uploader_id"), r.getInstant("created_at"),
        decode(r.getByteBuffer("image_vector")));
    List<String> tags = meta.tags() == null || meta.tags().isEmpty() ? null : meta.tags();
    meta = new ItemRecord.ItemMetadata(meta.title(), tags, meta.category(), meta.uploaderId(), meta.createdAt(),
        meta.imageVector());
    return new ItemRecord(r.getString("item_id"), meta, r.getString("tier"),
        r.isNull("bucket") ? -1 : r.getInt("bucket"), r.isNull("slot") ? -1 : r.getInt("slot"),
        r.getBoolean("counted"), r.getInstant("registered_at"), r.getInstant("updated_at"),
        decode(r.getByteBuffer("text_head")), decode(r.getByteBuffer("anchor")), r.getInstant("moved_at"),
        r.getInstant("expired_at"), r.getString("move_run"));
  }

  static ByteBuffer encode(float[] v) {
    if (v == null) return null;
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) b.putFloat(x);
    return b.flip();
  }

  static float[] decode(ByteBuffer b) {
    if (b == null) return null;
    ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[le.remaining() / 4];
    for (int i = 0; i < v.length; i++) v[i] = le.getFloat();
    return v;
  }
}
