package service;

import static org.junit.jupiter.api.Assertions.*;

import http.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;

/** A batch's repeats of an itemId are merged before any work: one registration per id, the last entry wins. */
class ItemBatchTest {

  private final ItemRequests requests = new ItemRequests(4);

  @Test
  void thousandCopiesOfOneIdAreOneRegistration() {
    String body = IntStream.range(0, 1000).mapToObj(i -> "{\"itemId\": \"same\", \"title\": \"t" + i + "\"}")
        .collect(Collectors.joining(",", "{\"items\": [", "]}"));
    Map<String, String> registered = new ConcurrentHashMap<>();
    ItemBatch.Result r = ItemBatch.register(Json.parseObject(body).get("items"), requests, (id, meta) -> {
      assertNull(registered.put(id, meta.title()), "registered once");
      return CompletableFuture.completedFuture(registered(id, true));
    }).toCompletableFuture().join();
    assertEquals(Map.of("same", "t999"), registered, "the last entry wins");
    assertEquals(1000, r.accepted());
    assertEquals(List.of(), r.rejected());
    assertEquals(1, r.outcomes().size());
    ItemBatch.Outcome o = r.outcomes().get(0);
    assertEquals("same", o.itemId());
    assertEquals(999, o.index());
    assertEquals("created", o.status());
    assertEquals(IntStream.range(0, 999).boxed().toList(), o.superseded());
  }

  @Test
  void invalidEntriesDoNotSupersedeAndFailuresRejectEveryEntryOfTheirId() {
    String body = """
        {"items": [{"itemId": "a", "title": "first"}, {"itemId": "b"}, {"itemId": "a", "title": 7},
                   {"itemId": "c"}, {"itemId": "b"}, {"itemId": "x\\ud800"}]}""";
    ItemBatch.Result r = ItemBatch.register(Json.parseObject(body).get("items"), requests, (id, meta) -> {
      if (id.equals("b")) return CompletableFuture.failedFuture(new ItemService.Overloaded("full"));
      assertEquals(id.equals("a") ? "first" : null, meta.title(), "an invalid later entry does not win");
      return CompletableFuture.completedFuture(registered(id, id.equals("a")));
    }).toCompletableFuture().join();
    assertEquals(2, r.accepted(), "a and c");
    assertEquals(List.of(1, 2, 4, 5), r.rejected().stream().map(ItemBatch.Rejected::index).toList());
    assertTrue(r.rejected().get(1).error().contains("items[2].title"), r.rejected().get(1).error());
    assertEquals("overloaded, retry later", r.rejected().get(0).error());
    assertTrue(r.rejected().get(3).error().contains("items[5].itemId"), r.rejected().get(3).error());
    assertEquals(List.of("a", "b", "c"), r.outcomes().stream().map(ItemBatch.Outcome::itemId).toList());
    assertEquals(List.of("created", "failed", "updated"), r.outcomes().stream().map(ItemBatch.Outcome::status).toList());
    assertEquals(List.of(1), r.outcomes().get(1).superseded());
    assertEquals(4, r.outcomes().get(1).index());
  }

  private static ItemService.Registered registered(String id, boolean created) {
    ItemRecord record = new ItemRecord(id, new ItemRecord.ItemMetadata(null, null, null, null, null, null), "cold", 1, -1,
        true, Instant.EPOCH, Instant.EPOCH, null);
    return new ItemService.Registered(record, created);
  }
}
