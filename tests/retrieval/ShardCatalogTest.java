package retrieval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fallback rankings come from a cache that must answer like a scan, exclusions and deletes included. */
class ShardCatalogTest {

  private static float[] unit(int i) {
    float[] v = new float[4];
    v[i % 4] = 1;
    return v;
  }

  @Test
  void cachedRankingsAnswerLikeAScanAndForgetDeletedItems() {
    ShardCatalog catalog = new ShardCatalog(new VectorIndex(IndexParams.defaults(4)));
    long now = System.currentTimeMillis();
    for (int i = 0; i < 300; i++) {
      catalog.upsert("i" + i, unit(i), i % 2 == 0 ? "even" : "odd", "cold", 1_000_000L * i, i);
    }
    List<Hit> first = catalog.popular(5, Set.of(), null, now);
    assertEquals(List.of("i299", "i298", "i297", "i296", "i295"), first.stream().map(Hit::itemId).toList());
    // Served from the cache: exclusions and a delete made after it was built still apply.
    catalog.delete("i298");
    List<Hit> second = catalog.popular(3, Set.of("i299"), null, now);
    assertEquals(List.of("i297", "i296", "i295"), second.stream().map(Hit::itemId).toList());
    assertEquals(List.of("i296", "i294"), catalog.freshest(2, Set.of(), "even").stream().map(Hit::itemId).toList());
    // More than the cache holds: a scan, with the same answer.
    List<Hit> many = catalog.popular(ShardCatalog.RANKED_CACHE_SIZE + 1, Set.of(), "odd", now);
    assertEquals(150, many.size());
    assertEquals("i299", many.get(0).itemId());
  }
}
