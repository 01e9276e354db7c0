package service;

import actors.BucketRange;
import actors.BucketRanges;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Framing;
import akka.stream.javadsl.FramingTruncation;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import embedding.StoreLayout;
import embedding.TierSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import storage.ItemRecord;
import storage.ShardMembership;

/**
 * Export and import of a store as NDJSON ({@code GET /admin/export}, {@code POST /admin/import}; docs/operate.md):
 * a header line, then item records ({@code "kind": "item"}, the fields of {@code POST /v1/items} plus where the
 * item lived), then rows ({@code "kind": "row"}: table, global row, values) of every table, only the rows whose
 * values are no longer their seeded initial ones. Both directions stream: nothing is held beyond a page.
 *
 * <p>Import refuses a store that has any item or written row. Items are registered again (their entry placement,
 * their text head and features recomputed), then rows are written with their exported values and a fresh
 * optimizer state; so an item that never moved tier serves the same vector as before. Items in another tier
 * (migrated) come back in the entry tier and move again at the next migration run; expired items (out of their
 * shard's membership) are not exported.
 */
public final class StoreTransfer {

  public static final String FORMAT = "thermocline-export";
  public static final int VERSION = 1;
  /** {@code ?table=} value for items; absent or {@code all}: the items and every table. */
  public static final String ITEMS = "items";
  public static final String ALL = "all";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int READ_CHUNK = 512;
  private static final int RECORD_CHUNK = 100;
  private static final int IMPORT_BATCH = 256;
  private static final int MAX_LINE_BYTES = 1 << 20;

  /** What an import wrote. */
  public record Imported(long items, long rows) {}

  private final ActorSystem<?> system;
  private final ItemService items;
  private final BucketRanges ranges;
  private final ItemRequests requests;
  private final Duration askTimeout;

  public StoreTransfer(ActorSystem<?> system, ItemService items, BucketRanges ranges, ItemRequests requests,
      Duration askTimeout) {
    this.system = system;
    this.items = items;
    this.ranges = ranges;
    this.requests = requests;
    this.askTimeout = askTimeout;
  }

  private StoreLayout layout() {
    return ranges.layout();
  }

  // ---- export

  /**
   * The export of {@code table} (null or "all": everything), as NDJSON lines; fails at once with a 400 naming
   * {@code table} when it is neither, so a bad request is refused before the stream starts.
   */
  public Source<ByteString, NotUsed> export(String table) {
    List<String> tables = new ArrayList<>();
    boolean withItems;
    if (table == null || table.isEmpty() || table.equals(ALL)) {
      withItems = true;
      for (TierSpec t : layout().tiers()) tables.add(t.name());
    } else if (table.equals(ITEMS)) {
      withItems = true;
    } else if (layout().tiers().stream().anyMatch(t -> t.name().equals(table))) {
      withItems = false;
      tables.add(table);
    } else {
      List<String> known = new ArrayList<>(List.of(ALL, ITEMS));
      layout().tiers().forEach(t -> known.add(t.name()));
      throw ApiError.badField("table", "no table " + table + "; one of " + String.join(", ", known));
    }
    ObjectNode header = JSON.createObjectNode().put("kind", "header").put("format", FORMAT).put("version", VERSION)
        .put("dim", layout().dim());
    ArrayNode names = header.putArray("tables");
    if (withItems) names.add(ITEMS);
    tables.forEach(names::add);
    Source<ObjectNode, NotUsed> lines = Source.single(header);
    if (withItems) lines = lines.concat(itemLines());
    for (String t : tables) lines = lines.concat(rowLines(t));
    return lines.map(o -> ByteString.fromString(JSON.writeValueAsString(o) + "\n"));
  }

  private Source<ObjectNode, NotUsed> itemLines() {
    ShardMembership membership = items.stores().membership();
    int parts = items.shards().count() * ShardMembership.PARTS;
    return Source.range(0, parts - 1)
        .mapAsync(1, i -> membership.idsInPart(i / ShardMembership.PARTS, i % ShardMembership.PARTS))
        .mapConcat(StoreTransfer::chunks)
        .mapAsync(2, this::records)
        .mapConcat(list -> list)
        .map(StoreTransfer::itemLine);
  }

  private CompletionStage<List<ItemRecord>> records(List<String> ids) {
    List<CompletableFuture<Optional<ItemRecord>>> finds = new ArrayList<>();
    for (String id : ids) finds.add(items.stores().items().find(id).toCompletableFuture());
    return CompletableFuture.allOf(finds.toArray(CompletableFuture[]::new)).thenApply(done -> {
      List<ItemRecord> out = new ArrayList<>();
      for (var f : finds) f.join().ifPresent(out::add);
      return out;
    });
  }

  static ObjectNode itemLine(ItemRecord r) {
    ObjectNode o = JSON.createObjectNode().put("kind", "item").put("itemId", r.itemId());
    ItemRecord.ItemMetadata m = r.metadata();
    if (m != null) {
      if (m.title() != null) o.put("title", m.title());
      if (m.tags() != null && !m.tags().isEmpty()) m.tags().forEach(o.putArray("tags")::add);
      if (m.category() != null) o.put("category", m.category());
      if (m.uploaderId() != null) o.put("uploaderId", m.uploaderId());
      if (m.createdAt() != null) o.put("createdAt", m.createdAt().toEpochMilli());
      if (m.imageVector() != null) {
        ArrayNode image = o.putArray("imageVector");
        for (float x : m.imageVector()) image.add(x);
      }
    }
    o.put("tier", r.tier());
    if (r.registeredAt() != null) o.put("registeredAt", r.registeredAt().toString());
    return o;
  }

  /** A chunk of one range's changed rows, and what reading them answered. */
  private record RangeRead(String entityId, BucketRange.RowsRead read) {}

  private Source<ObjectNode, NotUsed> rowLines(String table) {
    int rangeCount = layout().rangeCount(table);
    return Source.range(0, rangeCount - 1)
        .mapAsync(1, r -> ranges.entity(table, r).<BucketRange.ChangedRows>ask(BucketRange.GetChangedRows::new,
            askTimeout))
        .mapConcat(changed -> {
          List<Map.Entry<String, int[]>> chunks = new ArrayList<>();
          int[] rows = changed.rows();
          for (int from = 0; from < rows.length; from += READ_CHUNK) {
            chunks.add(Map.entry(changed.entityId(),
                java.util.Arrays.copyOfRange(rows, from, Math.min(rows.length, from + READ_CHUNK))));
          }
          return chunks;
        })
        .mapAsync(2, chunk -> ranges.entity(chunk.getKey())
            .<BucketRange.RowsRead>ask(replyTo -> new BucketRange.ReadRows(chunk.getValue(), replyTo), askTimeout)
            .thenApply(read -> new RangeRead(chunk.getKey(), read)))
        .mapConcat(this::rowLinesOf);
  }

  private List<ObjectNode> rowLinesOf(RangeRead chunk) {
    BucketRange.RowsRead read = chunk.read();
    if (read.error() != null) throw new IllegalStateException("export of " + chunk.entityId() + ": " + read.error());
    String table = StoreLayout.tierOfEntity(chunk.entityId());
    // The reply names rows within the range; a line carries the table's global row.
    long first = layout().firstGlobalRow(StoreLayout.rangeOfEntity(chunk.entityId()));
    List<ObjectNode> out = new ArrayList<>(read.rows().length);
    for (int i = 0; i < read.rows().length; i++) {
      ObjectNode o = JSON.createObjectNode().put("kind", "row").put("table", table).put("row", first + read.rows()[i]);
      ArrayNode values = o.putArray("values");
      for (float x : read.row(i)) values.add(x);
      out.add(o);
    }
    return out;
  }

  // ---- import

  /** One line of an import, read and checked. */
  private sealed interface Line permits ItemLine, RowLine, HeaderLine {}

  private record HeaderLine() implements Line {}

  private record ItemLine(ItemRequests.ItemInput input) implements Line {}

  private record RowLine(String table, int row, float[] values, long lineNo) implements Line {}

  /**
   * Loads an export into this store, which must be empty (no item, no written row: 409 otherwise). Stops at
   * the first bad line with a 400 naming it (field {@code line N…}); what came before it is loaded.
   */
  public CompletionStage<Imported> importFrom(Source<ByteString, ?> body) {
    AtomicLong itemCount = new AtomicLong();
    AtomicLong rowCount = new AtomicLong();
    return ensureEmpty().thenCompose(empty -> body
        .via(Framing.delimiter(ByteString.fromString("\n"), MAX_LINE_BYTES, FramingTruncation.ALLOW))
        .map(ByteString::utf8String)
        .zipWithIndex()
        .filter(p -> !p.first().isBlank())
        .map(p -> parse(p.first(), p.second() + 1))
        .grouped(IMPORT_BATCH)
        .mapAsync(1, batch -> apply(batch, itemCount, rowCount))
        .runWith(Sink.ignore(), system))
        .thenApply(done -> new Imported(itemCount.get(), rowCount.get()));
  }

  private Line parse(String text, long lineNo) {
    String at = "line " + lineNo;
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw ApiError.badField(at, "not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    String kind = node.path("kind").asText("");
    if (lineNo == 1) {
      if (!kind.equals("header") || !FORMAT.equals(node.path("format").asText())) {
        throw ApiError.badField(at, "the first line must be the export's header (kind header, format " + FORMAT + ")");
      }
      if (node.path("version").asInt() != VERSION) {
        throw ApiError.badField(at + ".version", "version " + node.path("version") + " is not " + VERSION);
      }
      if (node.path("dim").asInt() != layout().dim()) {
        throw ApiError.badField(at + ".dim", "the export's dim " + node.path("dim") + " is not this store's "
            + layout().dim());
      }
      return new HeaderLine();
    }
    return switch (kind) {
      case "item" -> new ItemLine(requests.parse(node, at + "."));
      case "row" -> row(node, at, lineNo);
      default -> throw ApiError.badField(at + ".kind", "kind must be header (first line), item or row, not " + kind);
    };
  }

  private RowLine row(JsonNode node, String at, long lineNo) {
    String table = node.path("table").asText("");
    TierSpec spec;
    try {
      spec = layout().tier(table);
    } catch (IllegalArgumentException e) {
      throw ApiError.badField(at + ".table", e.getMessage());
    }
    JsonNode row = node.get("row");
    if (row == null || !row.canConvertToInt() || row.asInt() < 0 || row.asInt() >= spec.capacity()) {
      throw ApiError.badField(at + ".row", "row must be an integer in 0–" + (spec.capacity() - 1));
    }
    JsonNode values = node.get("values");
    if (values == null || !values.isArray() || values.size() != layout().dim()) {
      throw ApiError.badField(at + ".values", "values must be an array of " + layout().dim() + " numbers");
    }
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode x = values.get(i);
      if (!x.isNumber() || !Float.isFinite(x.floatValue())) {
        throw ApiError.badField(at + ".values[" + i + "]", "must be a finite number");
      }
      v[i] = x.floatValue();
    }
    return new RowLine(table, row.asInt(), v, lineNo);
  }

  /** Items of the batch first (registered as one batch), then its rows, one write per range. */
  private CompletionStage<Void> apply(List<Line> batch, AtomicLong itemCount, AtomicLong rowCount) {
    List<Map.Entry<String, ItemRecord.ItemMetadata>> newItems = new ArrayList<>();
    Map<String, List<RowLine>> rowsByRange = new LinkedHashMap<>();
    for (Line l : batch) {
      if (l instanceof ItemLine i) newItems.add(Map.entry(i.input().itemId(), i.input().metadata()));
      if (l instanceof RowLine r) {
        String entity = ranges.entityOf(new BucketRanges.Key(r.table(), r.row()));
        rowsByRange.computeIfAbsent(entity, e -> new ArrayList<>()).add(r);
      }
    }
    CompletionStage<Void> registered = newItems.isEmpty() ? CompletableFuture.completedFuture(null)
        : items.registerAll(newItems).thenRun(() -> itemCount.addAndGet(newItems.size()));
    return registered.thenCompose(ok -> {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      rowsByRange.forEach((entity, lines) -> writes.add(write(entity, lines).toCompletableFuture()));
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }).thenRun(() -> rowsByRange.values().forEach(l -> rowCount.addAndGet(l.size())));
  }

  private CompletionStage<Void> write(String entity, List<RowLine> lines) {
    int dim = layout().dim();
    int[] rows = new int[lines.size()];
    float[] values = new float[lines.size() * dim];
    for (int i = 0; i < rows.length; i++) {
      RowLine l = lines.get(i);
      rows[i] = ranges.rowInRange(new BucketRanges.Key(l.table(), l.row()));
      System.arraycopy(l.values(), 0, values, i * dim, dim);
    }
    // The first line number names the write: a retried import of the same file is recognised by the range.
    String opId = "import:" + entity + ":" + lines.get(0).lineNo();
    return ranges.writeRows(entity, opId, rows, values, true).thenAccept(ack -> {
      if (ack.error() != null) throw new IllegalStateException("import into " + entity + ": " + ack.error());
    });
  }

  /** Fails with 409 when the store has an item (in any shard's membership) or a range with items or written rows. */
  private CompletionStage<Void> ensureEmpty() {
    ShardMembership membership = items.stores().membership();
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    for (int s = 0; s < items.shards().count(); s++) {
      for (int part = 0; part < ShardMembership.PARTS; part++) {
        checks.add(membership.idsInPart(s, part).thenApply(List::isEmpty).toCompletableFuture());
      }
    }
    for (TierSpec t : layout().tiers()) {
      for (int r = 0; r < layout().rangeCount(t.name()); r++) {
        checks.add(ranges.summary(StoreLayout.entityId(t.name(), r))
            .thenApply(s -> s.items() == 0 && s.rowsUpdated() == 0).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenAccept(done -> {
      if (!checks.stream().allMatch(CompletableFuture::join)) {
        throw new ApiError(409, null, "the store is not empty: import loads only into an empty store (a new "
            + "keyspace and journal)");
      }
    });
  }

  private static <T> List<List<T>> chunks(List<T> all) {
    List<List<T>> out = new ArrayList<>();
    for (int from = 0; from < all.size(); from += RECORD_CHUNK) {
      out.add(all.subList(from, Math.min(all.size(), from + RECORD_CHUNK)));
    }
    return out;
  }
}
