package retrieval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one retrieval shard knows: the HNSW index plus, per item, its category, tier, creation time and a
 * decayed popularity. Filters (seen items, category) are applied inside the index search so k results come
 * back when k acceptable items exist. Single writer; not thread-safe beyond what {@link VectorIndex} allows.
 */
public final class ShardCatalog implements RefreshSweep.Ids {

  /** Popularity halves every day without new exposure. */
  static final double POPULARITY_HALF_LIFE_MS = 24 * 3_600_000.0;

  private static final class Info {
    final String category;
    final String tier;
    final long createdAtMillis;
    double popularity;
    long popularityAt;

    Info(String category, String tier, long createdAtMillis, double popularity, long now) {
      this.category = category;
      this.tier = tier;
      this.createdAtMillis = createdAtMillis;
      this.popularity = popularity;
      this.popularityAt = now;
    }

    double popularityAt(long now) {
      return popularity * Math.pow(0.5, Math.max(0, now - popularityAt) / POPULARITY_HALF_LIFE_MS);
    }
  }

  private final VectorIndex index;
  private final Map<String, Info> info = new HashMap<>();

  /** Item ids from an ordinal on, for the refresh sweep ({@link VectorIndex#idsFrom}). */
  @Override
  public int idsFrom(int from, int max, List<String> out) {
    return index.idsFrom(from, max, out);
  }

  public ShardCatalog(VectorIndex index) {
    this.index = index;
  }

  public void upsert(String itemId, float[] vector, String category, String tier, long createdAtMillis,
      double popularity) {
    index.upsert(itemId, vector);
    remember(itemId, category, tier, createdAtMillis, popularity);
  }

  /** A learned change of the item's vector: see {@link VectorIndex#update}. */
  public void update(String itemId, float[] vector, String category, String tier, long createdAtMillis,
      double popularity) {
    index.update(itemId, vector);
    remember(itemId, category, tier, createdAtMillis, popularity);
  }

  private void remember(String itemId, String category, String tier, long createdAtMillis, double popularity) {
    Info old = info.get(itemId);
    long now = System.currentTimeMillis();
    // An update keeps the popularity the shard has counted since the item was loaded.
    double pop = old == null ? popularity : Math.max(popularity, old.popularityAt(now));
    info.put(itemId, new Info(category, tier, createdAtMillis, pop, now));
  }

  public boolean delete(String itemId) {
    info.remove(itemId);
    return index.delete(itemId);
  }

  public boolean contains(String itemId) {
    return info.containsKey(itemId);
  }

  public float[] vector(String itemId) {
    return info.containsKey(itemId) ? index.vector(itemId) : null;
  }

  public String tier(String itemId) {
    Info i = info.get(itemId);
    return i == null ? null : i.tier;
  }

  @Override
  public int size() {
    return info.size();
  }

  public int deletedNodes() {
    return index.deletedNodes();
  }

  public long heapBytesEstimate() {
    return index.heapBytesEstimate();
  }

  public boolean compactIfNeeded() {
    return index.compactIfNeeded();
  }

  public int drifted() {
    return index.drifted();
  }

  /** See {@link VectorIndex#graphSwaps}. */
  public long graphSwaps() {
    return index.graphSwaps();
  }

  /** See {@link VectorIndex#graphRecall}. */
  public double graphRecall(int queries, int k, int ef, long seed) {
    return index.graphRecall(queries, k, ef, seed);
  }

  public VectorIndex.GraphRecall graphRecallDetail(int queries, int k, int ef, long seed) {
    return index.graphRecallDetail(queries, k, ef, seed);
  }

  public void addPopularity(String itemId, double amount, long now) {
    Info i = info.get(itemId);
    if (i == null) return;
    i.popularity = i.popularityAt(now) + amount;
    i.popularityAt = now;
  }

  /** The widest walk a search with exclusions makes (beyond it, recall of heavy users degrades gently). */
  static final int MAX_EF = 10_000;

  /**
   * Top-k acceptable items. Exclusion (seen items: up to a few thousand) is applied after a search for
   * k + |exclude| instead of inside it: a predicate makes the index test every candidate and, on a shard of
   * modest size, scan exactly — profiling showed that check taking half the CPU of recall. The top k
   * acceptable items are always among the top k + |exclude|, so the answer is the same.
   */
  public List<Hit> search(float[] query, int k, int ef, Set<String> exclude, String category) {
    int excluded = exclude == null ? 0 : exclude.size();
    int wanted = k + excluded;
    // The walk keeps the caller's breadth per answer: asked for k + excluded hits with ef = k + excluded, a
    // heavy user's answer (thousands seen) came from a walk no wider than its answer, and graph recall@50 on
    // MovieLens fell from 1.00 to 0.93 once excludeSeen covered every seen movie.
    int breadth = (int) Math.min(MAX_EF, Math.max(ef, (long) wanted * ef / k));
    List<Hit> hits = index.search(query, wanted, Math.max(breadth, wanted), accept(Set.of(), category));
    if (excluded == 0) return hits;
    List<Hit> out = new ArrayList<>(k);
    for (Hit h : hits) {
      if (!exclude.contains(h.itemId())) out.add(h);
      if (out.size() == k) break;
    }
    return out;
  }

  /** The k most popular acceptable items, score = decayed popularity. */
  public List<Hit> popular(int k, Set<String> exclude, String category, long now) {
    return ranked("popular", k, exclude, category, now, (id, i) -> (float) i.popularityAt(now));
  }

  /** The k newest acceptable items, score = creation time in epoch seconds (for merging across shards). */
  public List<Hit> freshest(int k, Set<String> exclude, String category) {
    long now = System.currentTimeMillis();
    return ranked("fresh", k, exclude, category, now, (id, i) -> i.createdAtMillis / 1000f);
  }

  /** Longest list a ranking cache keeps; a request needing more (k plus exclusions) scans. */
  static final int RANKED_CACHE_SIZE = 2000;
  /** How long a cached ranking serves: popularity decays at one rate for all, so the order holds meanwhile. */
  static final long RANKED_CACHE_MILLIS = 1000;

  private record Ranked(long computedAt, List<Hit> hits) {}

  /**
   * Longest category a ranking is cached for. The API refuses longer ones (128 code points); this keeps a caller
   * that skips it from pinning memory in the cache's keys (80 × 4 MB categories held 520 MB).
   */
  static final int MAX_CACHED_CATEGORY_CHARS = 256;

  /** Rankings by kind and category (bounded: 64 keys of at most 256 characters; categories come from requests). */
  private final Map<String, Ranked> rankedCache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Ranked> eldest) {
      return size() > 64;
    }
  };

  /**
   * The fallback lists without a scan of every item per request (a scan of 500k items per request made an
   * overloaded node spiral: late shards → no user vector → more fallbacks): the top of each ranking is cached
   * for a second and filtered by the request's exclusions.
   */
  private List<Hit> ranked(String kind, int k, Set<String> exclude, String category, long now, Score score) {
    int excluded = exclude == null ? 0 : exclude.size();
    if (k + excluded > RANKED_CACHE_SIZE || (category != null && category.length() > MAX_CACHED_CATEGORY_CHARS)) {
      return top(k, exclude, category, score);
    }
    String key = kind + "/" + (category == null ? "" : category);
    Ranked cached = rankedCache.get(key);
    if (cached == null || now - cached.computedAt() > RANKED_CACHE_MILLIS || now < cached.computedAt()) {
      cached = new Ranked(now, top(RANKED_CACHE_SIZE, Set.of(), category, score));
      rankedCache.put(key, cached);
    }
    List<Hit> out = new ArrayList<>(k);
    for (Hit h : cached.hits()) {
      if (out.size() == k) break;
      if (excluded > 0 && exclude.contains(h.itemId())) continue;
      if (!info.containsKey(h.itemId())) continue; // deleted since
      out.add(h);
    }
    return out;
  }

  private interface Score {
    float of(String id, Info info);
  }

  private List<Hit> top(int k, Set<String> exclude, String category, Score score) {
    PriorityQueue<Hit> heap = new PriorityQueue<>(Comparator.comparingDouble(Hit::score));
    Predicate<String> ok = accept(exclude, category);
    for (var e : info.entrySet()) {
      if (ok != null && !ok.test(e.getKey())) continue;
      heap.add(new Hit(e.getKey(), score.of(e.getKey(), e.getValue())));
      if (heap.size() > k) heap.poll();
    }
    List<Hit> out = new ArrayList<>(heap);
    out.sort(Comparator.comparingDouble(Hit::score).reversed().thenComparing(Hit::itemId));
    return out;
  }

  private Predicate<String> accept(Set<String> exclude, String category) {
    boolean noExclude = exclude == null || exclude.isEmpty();
    if (noExclude && category == null) return null;
    return id -> {
      if (!noExclude && exclude.contains(id)) return false;
      if (category == null) return true;
      Info i = info.get(id);
      return i != null && category.equals(i.category);
    };
  }
}
