package retrieval;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.NodeQueue;
import io.github.jbellis.jvector.graph.NodesIterator;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.util.BoundedLongHeap;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorUtil;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

// One file on purpose (over 400 lines): the write lock, the generation swap, the compaction's replay queue and
// the ordinal recycling keep one set of invariants (a search never sees a recycled ordinal, a mutation during a
// compaction reaches the copy); split across classes, each half would have to be read with the other open.
/**
 * In-memory approximate nearest-neighbour index over (item id → vector): jvector's HNSW-style graph
 * ({@link GraphIndexBuilder}), cosine similarity on L2-normalised vectors.
 *
 * <p><b>Threading contract.</b> Mutations ({@link #upsert}, {@link #delete}) take a write lock: they are meant
 * to come from one writer thread (the shard's actor); a second writer would only wait its turn. Searches and
 * the read accessors ({@link #size}, {@link #contains}, {@link #vector}, …) may run on any number of threads,
 * concurrently with mutations and with a compaction, and never wait for either. {@link #compact} may run on
 * any thread, also while the writer keeps writing; the writer then pauses only while the graph is copied and
 * while the last mutations are replayed onto the copy.
 *
 * <p><b>Ordinals.</b> jvector names nodes by int ordinals. An upsert inserts the vector under a fresh ordinal
 * and retires the item's previous one; a delete retires it. A retired node stays in the graph, so searches
 * still route through it, but it is never returned: the index's own ordinal → item table says it is dead and
 * every search filters on it. Compaction removes retired nodes from a copy of the graph (jvector's
 * {@code removeDeletedNodes} repairs the neighbour lists, and must not run on a graph that is being searched or
 * mutated), swaps the copy in, and recycles the retired ordinals once no search can reach them any more.
 *
 * <p>Retired nodes are marked deleted in jvector only inside compaction, right before their removal, never in
 * the graph being served. jvector 4.0.2 routes inserts only through nodes not marked deleted; once every node of
 * the top layer is marked (the entry point is deleted, the top layer holds a handful of nodes), a new node finds
 * no neighbours at all and becomes unreachable. Unmarked, retired nodes keep routing inserts and searches alike.
 */
public final class VectorIndex implements AutoCloseable {

  private static final VectorTypeSupport VECTORS = VectorizationProvider.getInstance().getVectorTypeSupport();
  // Vectors are unit length, so the dot product is the cosine and saves the norms COSINE would recompute.
  // jvector reports it as (1 + cos) / 2; hits carry the cosine itself.
  private static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;
  // Ordinals sampled to estimate how many items a filter accepts.
  private static final int FILTER_SAMPLE = 256;
  // A filtered graph walk visits about ef / selectivity nodes before it has ef acceptable ones, at ~0.4 µs a
  // node; a scan reads every item once at ~20 ns. Both grow with the index size, and they cost the same when
  // about SCAN_FACTOR * ef items pass the filter (measured on 100k clustered d=32 vectors, ef 10 and 100).
  private static final int SCAN_FACTOR = 200;
  // Replay rounds outside the write lock before the final replay under it, while the backlog of inserts keeps
  // halving; bounded so that a writer as fast as the replay cannot keep the compaction from finishing.
  private static final int CATCH_UP_ROUNDS = 8;
  private static final int CATCH_UP_ENOUGH = 64;
  // Heap per id-map entry (compressed oops): ConcurrentHashMap node, boxed ordinal, table slot, and the id
  // String with its byte array header; the id's characters are added per entry.
  private static final int ID_ENTRY_BYTES = 32 + 16 + 8 + 24 + 16;

  private final IndexParams params;
  private final OrdinalSlots slots;
  private final BuildScoreProvider scoreProvider;
  private final Map<String, Integer> ordinals = new ConcurrentHashMap<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock compactLock = new ReentrantLock();
  private volatile Generation current;
  private volatile boolean closed;
  // Heap of the id map, kept as items come and go rather than summed over a million keys per call.
  private volatile long idBytes;
  // Mutations since a compaction copied the graph, to replay onto the copy: ordinal = added, ~ordinal =
  // retired. Non-null only while a compaction runs; guarded by writeLock.
  private ConcurrentLinkedQueue<Integer> pendingForCopy;

  /** Cosine to the vector an item was linked with below which it counts as drifted (see update, rebuild). */
  static final float RELINK_BELOW_COSINE = 0.99f;
  /** Below this cosine a move re-links at once: a jump (new metadata, a reset row), not a learned drift. */
  static final float RELINK_NOW_BELOW_COSINE = 0.9f;
  /** Drifted items re-linked per round of graph upkeep ({@link #compactIfNeeded}) below the rebuild share. */
  static final int RELINK_BATCH = 256;
  /** Ordinal → the vector its edges were chosen for, for items updated in place since (writer-only). */
  private final java.util.Map<Integer, float[]> linkedVectors = new java.util.HashMap<>();
  /** Ordinals that drifted past RELINK_BELOW_COSINE since they were linked (writer-only); see {@link #rebuild}. */
  private final java.util.LinkedHashSet<Integer> drifted = new java.util.LinkedHashSet<>();
  private volatile int driftedCount;
  private volatile long graphSwaps; // written under compactLock

  /** One graph and what searching it needs; replaced as a whole by compaction. */
  private static final class Generation {
    final GraphIndexBuilder builder;
    final ImmutableGraphIndex graph;
    /** Retired nodes still in this graph. */
    final AtomicInteger retired;
    /** Searches running on this generation: its retired ordinals are recycled only once this is zero. */
    final AtomicInteger readers = new AtomicInteger();
    /** Idle searchers; a GraphSearcher keeps scratch space and serves one search at a time. */
    final ConcurrentLinkedQueue<GraphSearcher> searchers = new ConcurrentLinkedQueue<>();

    Generation(GraphIndexBuilder builder, int retired) {
      this.builder = builder;
      this.graph = builder.getGraph();
      this.retired = new AtomicInteger(retired);
    }
  }

  public VectorIndex(IndexParams params) {
    this.params = Objects.requireNonNull(params, "params");
    this.slots = new OrdinalSlots(params.dim());
    this.scoreProvider = BuildScoreProvider.randomAccessScoreProvider(slots, SIMILARITY);
    this.current = new Generation(newBuilder(), 0);
  }

  private GraphIndexBuilder newBuilder() {
    // Two degrees make jvector add the HNSW hierarchy above the base layer.
    return GraphIndexBuilder
        .builder(scoreProvider, params.dim(), List.of(params.maxDegree(), params.upperLayerDegree()))
        .withBeamWidth(params.beamWidth())
        .withNeighborOverflow(params.neighborOverflow())
        .withAlpha(params.alpha())
        .build();
  }

  public IndexParams params() {
    return params;
  }

  // ---- mutations (one writer at a time) ----

  /**
   * Inserts the item, or replaces its vector. A replaced vector is what searches score against from this call
   * on. A small move keeps the item's node and edges; once it has drifted past {@link #RELINK_BELOW_COSINE}
   * from the vector those edges were chosen for, it counts as drifted ({@link #compactIfNeeded} rebuilds the
   * graph when many have). A jump past {@link #RELINK_NOW_BELOW_COSINE} re-links it at once.
   *
   * @throws IllegalArgumentException on a wrong dimension, a non-finite component or the zero vector
   */
  public void upsert(String itemId, float[] vector) {
    put(itemId, vector, RELINK_NOW_BELOW_COSINE);
  }

  /**
   * Like {@link #upsert}, for a learned change: however far the item moved, it keeps its node (and counts as
   * drifted once past {@link #RELINK_BELOW_COSINE}), so a learning burst never turns into a burst of graph
   * insertions. An unknown item is inserted.
   */
  public void update(String itemId, float[] vector) {
    put(itemId, vector, Float.NEGATIVE_INFINITY); // no cosine is below it: never re-link at once
  }

  private void put(String itemId, float[] vector, float relinkNowBelow) {
    Objects.requireNonNull(itemId, "itemId");
    float[] unit = Vectors.normalized(vector, params.dim());
    VectorFloat<?> v = VECTORS.createFloatVector(unit);
    writeLock.lock();
    try {
      ensureOpen();
      Integer previous = ordinals.get(itemId);
      if (previous != null) {
        float[] old = (float[]) slots.getVector(previous).get();
        // Re-upserting an unchanged vector (a learner that republishes every touched item) costs nothing.
        if (Arrays.equals(unit, old)) return;
        // A learned move keeps the node and its edges and only swaps the vector searches score against, so the
        // served vector is always the latest. Re-linking (a delete and an insert) on every learned change was
        // the largest cost of online learning, and held freshness back behind graph work: an item that drifted
        // far from the vector its edges were chosen for counts as drifted, and the graph is rebuilt when many
        // have (compactIfNeeded). A jump through upsert (cosine below RELINK_NOW_BELOW_COSINE) re-links at once.
        float[] linked = linkedVectors.get(previous);
        float cosine = dot(unit, linked == null ? old : linked);
        if (cosine >= relinkNowBelow) {
          if (linked == null) linkedVectors.put(previous, old);
          slots.setVector(previous, v);
          if (cosine < RELINK_BELOW_COSINE && drifted.add(previous)) driftedCount = drifted.size();
          return;
        }
      }
      link(itemId, v, previous);
    } finally {
      writeLock.unlock();
    }
  }

  /** Items that drifted past {@link #RELINK_BELOW_COSINE} from their links since the graph was built. */
  public int drifted() {
    return driftedCount;
  }

  /** Rebuilds and compactions that swapped in a new graph, since the index was made (re-links not counted). */
  public long graphSwaps() {
    return graphSwaps;
  }

  /** Gives the item a new node linked for {@code v}, retiring {@code previous} if any. Under the write lock. */
  private void link(String itemId, VectorFloat<?> v, Integer previous) {
    Generation g = current;
    int ord = slots.allocate();
    slots.setVector(ord, v);
    g.builder.addGraphNode(ord, v);
    // Live only once connected. Until the old ordinal is retired just below, a search may see the item
    // twice; results are deduplicated by item id, so it is never missing instead.
    slots.setId(ord, itemId);
    ordinals.put(itemId, ord);
    if (pendingForCopy != null) pendingForCopy.add(ord);
    if (previous != null) {
      retire(g, previous);
    } else {
      idBytes += idEntryBytes(itemId);
    }
  }

  /** Removes the item; false if it was absent. A deleted item is never returned by a later search. */
  public boolean delete(String itemId) {
    Objects.requireNonNull(itemId, "itemId");
    writeLock.lock();
    try {
      ensureOpen();
      Integer ord = ordinals.remove(itemId);
      if (ord == null) return false;
      retire(current, ord);
      idBytes -= idEntryBytes(itemId);
      return true;
    } finally {
      writeLock.unlock();
    }
  }

  private void retire(Generation g, int ord) {
    linkedVectors.remove(ord);
    if (drifted.remove(ord)) driftedCount = drifted.size();
    slots.setId(ord, null);
    g.retired.incrementAndGet();
    if (pendingForCopy != null) pendingForCopy.add(~ord);
  }

  // ---- search (any thread) ----

  /**
   * The {@code k} items most similar to {@code query} among those {@code accept} passes, best first.
   *
   * <p>A filter never starves the result: if the filter passes few items (estimated from a sample) the
   * acceptable items are scanned exactly; otherwise the graph walk continues until it has {@code ef} acceptable
   * candidates, and should it still come back with fewer than {@code k}, an exact scan settles it. So the
   * result has {@code k} hits whenever {@code k} acceptable items exist.
   *
   * @param ef search breadth, at least {@code k}: more is slower and finds more of the true neighbours
   * @param accept which item ids may be returned, or null for all; called from the searching thread, often
   *     hundreds of times per search, so it must be cheap and thread-safe
   */
  public List<Hit> search(float[] query, int k, int ef, Predicate<String> accept) {
    if (k < 1) throw new IllegalArgumentException("k must be positive: " + k);
    if (ef < k) throw new IllegalArgumentException("ef must be >= k: ef=" + ef + ", k=" + k);
    VectorFloat<?> q = VECTORS.createFloatVector(Vectors.normalized(query, params.dim()));
    Generation g = enter();
    try {
      if (accept != null && estimatedAcceptable(accept) <= (long) SCAN_FACTOR * ef) return scan(q, k, accept);
      List<Hit> hits = walk(g, q, k, ef, accept);
      // Fewer than k: the acceptable items the walk could reach ran out (few qualify, or a part of the graph
      // is poorly connected). A scan is exact either way.
      if (hits.size() < k && hits.size() < ordinals.size()) return scan(q, k, accept);
      return hits;
    } finally {
      g.readers.decrementAndGet();
    }
  }

  private List<Hit> walk(Generation g, VectorFloat<?> q, int k, int ef, Predicate<String> accept) {
    Bits acceptOrdinals = accept == null
        ? ord -> slots.id(ord) != null
        : ord -> {
          String id = slots.id(ord);
          return id != null && accept.test(id);
        };
    GraphSearcher searcher = g.searchers.poll();
    if (searcher == null) searcher = new GraphSearcher(g.graph);
    SearchResult result;
    try {
      // A fresh view: the searcher's previous one predates nodes inserted since.
      searcher.setView(g.graph.getView());
      result = searcher.search(DefaultSearchScoreProvider.exact(q, SIMILARITY, slots), k, ef, 0f, 0f, acceptOrdinals);
    } finally {
      g.searchers.offer(searcher);
    }
    List<Hit> hits = new ArrayList<>(k);
    Set<String> seen = new HashSet<>();
    for (SearchResult.NodeScore node : result.getNodes()) {
      String id = slots.id(node.node);
      // Null: deleted while this search ran.
      if (id != null && seen.add(id)) hits.add(new Hit(id, VectorUtil.dotProduct(q, slots.getVector(node.node))));
    }
    hits.sort(Hit.BEST_FIRST);
    return hits;
  }

  /**
   * How much of the exact top-{@code k} a graph walk finds, averaged over {@code queries} queries made from
   * randomly chosen items' vectors plus noise (seeded). A health figure for a graph whose vectors move in place
   * ({@link #update}): edges chosen for older vectors can hide an item from walks until it is re-linked.
   */
  public double graphRecall(int queries, int k, int ef, long seed) {
    return graphRecallDetail(queries, k, ef, seed).recall();
  }

  /**
   * {@link #graphRecall} with what ties do to it. {@code tieAware}: a found item counts when its score is at least
   * the exact k-th score (fair when items share the k-th score); {@code queriesWithTies}: queries whose exact k-th
   * score is also the score of an item ranked below k (identical vectors: hash collisions, same metadata).
   */
  public record GraphRecall(double recall, double tieAware, int queriesWithTies, int queries) {}

  public GraphRecall graphRecallDetail(int queries, int k, int ef, long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    Generation g = enter();
    try {
      int upper = slots.upperBound();
      if (ordinals.isEmpty() || upper == 0) return new GraphRecall(1, 1, 0, 0);
      double sum = 0;
      double tieSum = 0;
      int ties = 0;
      int asked = 0;
      for (int tries = 0; asked < queries && tries < 20 * queries; tries++) {
        int ord = random.nextInt(upper);
        if (slots.id(ord) == null) continue;
        float[] q = ((float[]) slots.getVector(ord).get()).clone();
        for (int i = 0; i < q.length; i++) q[i] += (float) (random.nextGaussian() * 0.5 / Math.sqrt(q.length));
        VectorFloat<?> query = VECTORS.createFloatVector(Vectors.normalized(q, params.dim()));
        List<Hit> exactHits = scan(query, k + 1, null);
        Set<String> exact = new HashSet<>();
        for (int i = 0; i < Math.min(k, exactHits.size()); i++) exact.add(exactHits.get(i).itemId());
        float kth = exactHits.isEmpty() ? Float.NEGATIVE_INFINITY : exactHits.get(Math.min(k, exactHits.size()) - 1).score();
        if (exactHits.size() > k && exactHits.get(k).score() == kth) ties++;
        int found = 0;
        int atLeast = 0;
        for (Hit h : walk(g, query, k, ef, null)) {
          if (exact.contains(h.itemId())) found++;
          if (h.score() >= kth) atLeast++;
        }
        sum += exact.isEmpty() ? 1 : (double) found / exact.size();
        tieSum += exact.isEmpty() ? 1 : (double) Math.min(atLeast, exact.size()) / exact.size();
        asked++;
      }
      return asked == 0 ? new GraphRecall(1, 1, 0, 0) : new GraphRecall(sum / asked, tieSum / asked, ties, asked);
    } finally {
      g.readers.decrementAndGet();
    }
  }

  /** Exact top-k over every live item {@code accept} passes. */
  private List<Hit> scan(VectorFloat<?> q, int k, Predicate<String> accept) {
    // One spare place: during an upsert an item can briefly hold two ordinals.
    NodeQueue top = new NodeQueue(new BoundedLongHeap(k + 1), NodeQueue.Order.MIN_HEAP);
    int upper = slots.upperBound();
    for (int ord = 0; ord < upper; ord++) {
      String id = slots.id(ord);
      if (id == null || (accept != null && !accept.test(id))) continue;
      top.push(ord, VectorUtil.dotProduct(q, slots.getVector(ord)));
    }
    Hit[] worstFirst = new Hit[top.size()];
    int n = 0;
    while (top.size() > 0) {
      float score = top.topScore();
      String id = slots.id(top.pop());
      if (id != null) worstFirst[n++] = new Hit(id, score);
    }
    List<Hit> hits = new ArrayList<>(k);
    Set<String> seen = new HashSet<>();
    for (int i = n - 1; i >= 0 && hits.size() < k; i--) {
      if (seen.add(worstFirst[i].itemId())) hits.add(worstFirst[i]);
    }
    hits.sort(Hit.BEST_FIRST);
    return hits;
  }

  /** Live items {@code accept} passes, estimated from evenly spaced ordinals (all of them in a small index). */
  private long estimatedAcceptable(Predicate<String> accept) {
    int upper = slots.upperBound();
    int samples = Math.min(upper, FILTER_SAMPLE);
    int accepted = 0;
    for (int s = 0; s < samples; s++) {
      String id = slots.id((int) ((long) s * upper / samples));
      if (id != null && accept.test(id)) accepted++;
    }
    return samples == 0 ? 0 : (long) accepted * upper / samples;
  }

  /** The current generation, registered as read so that compaction does not recycle its ordinals meanwhile. */
  private Generation enter() {
    ensureOpen();
    while (true) {
      Generation g = current;
      g.readers.incrementAndGet();
      // Re-check: a compaction that swapped generations in between may already have seen zero readers.
      if (g == current) return g;
      g.readers.decrementAndGet();
    }
  }

  // ---- read accessors (any thread) ----

  /**
   * Appends up to {@code max} live item ids, in ordinal order from ordinal {@code from}; returns the ordinal to go
   * on from, or -1 once the end is reached. Any thread; an item re-linked meanwhile may be seen twice or missed.
   */
  public int idsFrom(int from, int max, List<String> out) {
    int upper = slots.upperBound();
    int ord = Math.max(0, from);
    for (int taken = 0; ord < upper && taken < max; ord++) {
      String id = slots.id(ord);
      if (id != null) {
        out.add(id);
        taken++;
      }
    }
    return ord >= upper ? -1 : ord;
  }

  /** Live items. */
  public int size() {
    return ordinals.size();
  }

  /** Retired nodes still in the graph, which the next compaction removes. */
  public int deletedNodes() {
    return current.retired.get();
  }

  public boolean contains(String itemId) {
    return ordinals.containsKey(itemId);
  }

  /** A copy of the item's stored (unit-length) vector, or null if absent. */
  public float[] vector(String itemId) {
    while (true) {
      Integer ord = ordinals.get(itemId);
      if (ord == null) return null;
      VectorFloat<?> v = slots.getVector(ord);
      // Still the item's ordinal after the read: the vector belongs to it (ordinals are recycled only later).
      if (v != null && ord.equals(ordinals.get(itemId))) return ((float[]) v.get()).clone();
    }
  }

  /** Heap held by the index: graph (jvector's own estimate), vectors, ids. */
  public long heapBytesEstimate() {
    // Each vector kept for drift: its array plus a boxed key and a map entry (~64 bytes).
    return current.builder.ramBytesUsed() + slots.ramBytesUsed() + idBytes
        + (long) linkedVectors.size() * (params.dim() * Float.BYTES + 64) + (long) driftedCount * 64;
  }

  private static long idEntryBytes(String itemId) {
    return ID_ENTRY_BYTES + itemId.length();
  }

  // ---- compaction ----

  /**
   * Rebuilds the graph when drifted items make up at least {@link IndexParams#compactDeletedFraction()} of the
   * live ones (see {@link #rebuild}); else compacts when retired nodes make up that share of the graph; else
   * re-links a batch of the drifted items ({@link #relinkDrifted}).
   *
   * @return whether it rebuilt, compacted or re-linked (false also when another one is already running), so a
   *     caller that repeats it while true leaves no drifted item behind
   */
  public boolean compactIfNeeded() {
    int retired = current.retired.get();
    boolean rebuild = driftedCount > 0 && driftedCount >= params.compactDeletedFraction() * size();
    boolean compact = retired > 0 && retired >= params.compactDeletedFraction() * (size() + retired);
    if (!rebuild && !compact && driftedCount == 0) return false;
    if (!compactLock.tryLock()) return false;
    try {
      if (!rebuild && !compact) return relinkDrifted(RELINK_BATCH) > 0;
      if (rebuild) rebuild();
      else compact();
      graphSwaps++;
      return true;
    } finally {
      compactLock.unlock();
    }
  }

  /**
   * Re-links up to {@code max} drifted items (those that drifted first go first) for their current vectors: a
   * new node each, the old one retired for the next compaction. Between rebuilds this keeps the graph following
   * the vectors: a drifted item costs one insertion here, where waiting for the rebuild that a drifted share of
   * {@link IndexParams#compactDeletedFraction()} triggers leaves it hard to find meanwhile and then costs an
   * insertion for every item of the shard. Takes the write lock per item, so the writer waits one insertion at
   * most.
   *
   * @return how many items it re-linked
   */
  public int relinkDrifted(int max) {
    int done = 0;
    while (done < max) {
      writeLock.lock();
      try {
        ensureOpen();
        var first = drifted.iterator();
        if (!first.hasNext()) return done;
        int ord = first.next();
        String itemId = slots.id(ord);
        if (itemId == null) { // retired meanwhile
          first.remove();
          driftedCount = drifted.size();
          continue;
        }
        float[] now = ((float[]) slots.getVector(ord).get()).clone();
        link(itemId, VECTORS.createFloatVector(now), ord); // retires ord, which leaves drifted and linkedVectors
        done++;
      } finally {
        writeLock.unlock();
      }
    }
    return done;
  }

  /**
   * Builds a new graph over every live item's current vector and swaps it in, the way {@link #compact} does
   * (searches answer from the old graph throughout; mutations meanwhile are replayed onto the new one).
   * Items updated in place keep edges chosen for older vectors; when many have drifted, one rebuild costs
   * what re-linking them one by one would (an insertion each) without leaving retired nodes behind.
   */
  public void rebuild() {
    rebuildOrCompact(true);
  }

  /**
   * Removes every retired node from the graph and frees its vector. Runs in the calling thread; searches keep
   * answering from the current graph throughout.
   *
   * <ol>
   *   <li>Under the write lock: copy the graph (jvector's {@code rescore}), mark the retired nodes deleted in
   *       the copy, and start logging mutations.
   *   <li>Without it: {@code removeDeletedNodes} on the copy (no one else touches the copy), re-insert any node
   *       the removal left unreachable, then replay the logged mutations onto it.
   *   <li>Under the write lock: replay the rest and swap the copy in.
   *   <li>Once no search runs on the old graph any more, recycle the removed ordinals.
   * </ol>
   *
   * If it fails, the copy is dropped and the index carries on with the old graph.
   */
  public void compact() {
    rebuildOrCompact(false);
  }

  private void rebuildOrCompact(boolean rebuild) {
    compactLock.lock();
    try {
      Generation old;
      GraphIndexBuilder copy;
      int[] removed;
      int[] live = null;
      java.util.Set<Integer> driftedAtStart = null;
      ConcurrentLinkedQueue<Integer> pending = new ConcurrentLinkedQueue<>();
      writeLock.lock();
      try {
        ensureOpen();
        old = current;
        if (rebuild) {
          copy = newBuilder();
          removed = retiredIn(old.graph);
          live = ordinals.values().stream().mapToInt(Integer::intValue).toArray();
          driftedAtStart = new HashSet<>(drifted);
        } else {
          if (old.retired.get() == 0) return;
          copy = GraphIndexBuilder.rescore(old.builder, scoreProvider);
          removed = retiredIn(copy.getGraph());
          for (int ord : removed) copy.markNodeDeleted(ord);
        }
        pendingForCopy = pending;
      } finally {
        writeLock.unlock();
      }
      Generation next;
      try {
        if (rebuild) {
          // Each item linked for its vector as it is now (an update meanwhile swaps it in place, as always).
          for (int ord : live) copy.addGraphNode(ord, slots.getVector(ord));
        } else {
          copy.removeDeletedNodes();
          reconnectUnreachable(copy);
        }
        int retiredSince = 0;
        int backlog = Integer.MAX_VALUE;
        for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
          // Each round replays what was logged when it started, not what the writer adds meanwhile.
          int[] counts = replay(copy, pending, pending.size());
          retiredSince += counts[1];
          // Stop once little is left, or when the writer adds about as fast as the replay catches up: then
          // only pausing it ends the race, and the pause lasts about as long as this round did.
          if (counts[0] < CATCH_UP_ENOUGH || counts[0] > backlog / 2) break;
          backlog = counts[0];
        }
        writeLock.lock();
        try {
          ensureOpen();
          retiredSince += replay(copy, pending, Integer.MAX_VALUE)[1];
          next = new Generation(copy, retiredSince);
          current = next;
          if (rebuild) {
            // Linked afresh: what drifted before the rebuild no longer has to be re-linked.
            drifted.removeAll(driftedAtStart);
            driftedCount = drifted.size();
            for (int ord : live) linkedVectors.remove(ord);
          }
        } finally {
          pendingForCopy = null;
          writeLock.unlock();
        }
      } catch (RuntimeException | Error e) {
        writeLock.lock();
        try {
          pendingForCopy = null;
        } finally {
          writeLock.unlock();
        }
        closeQuietly(copy);
        throw e;
      }
      while (old.readers.get() != 0) LockSupport.parkNanos(100_000);
      writeLock.lock();
      try {
        for (int ord : removed) slots.release(ord);
      } finally {
        writeLock.unlock();
      }
      closeQuietly(old.builder);
    } finally {
      compactLock.unlock();
    }
  }

  /** Nodes of {@code graph} whose ordinal no item holds. Under the write lock, so no insert is half done. */
  private int[] retiredIn(ImmutableGraphIndex graph) {
    int upper = slots.upperBound();
    int[] retired = new int[16];
    int n = 0;
    for (int ord = 0; ord < upper; ord++) {
      if (slots.id(ord) == null && graph.containsNode(ord)) {
        if (n == retired.length) retired = Arrays.copyOf(retired, 2 * n);
        retired[n++] = ord;
      }
    }
    return Arrays.copyOf(retired, n);
  }

  /**
   * Re-inserts the nodes that the base layer of the copy no longer reaches from its entry point.
   * {@code removeDeletedNodes} splices a removed node's out-edges into its in-neighbours' lists, but nothing
   * makes sure every remaining node keeps an in-edge: with many deletes around it, a node can end up with
   * none, and then no search finds it again (seen in tests with heavy churn). Removing such a node and
   * inserting it afresh gives it in-edges again; it keeps its ordinal, so nothing outside the copy changes.
   * Costs one breadth-first pass over the base layer, and a second removal pass only if something was cut off.
   */
  private void reconnectUnreachable(GraphIndexBuilder copy) {
    ImmutableGraphIndex graph = copy.getGraph();
    ImmutableGraphIndex.View view = graph.getView();
    ImmutableGraphIndex.NodeAtLevel entry = view.entryNode();
    if (entry == null) return;
    int upper = graph.getIdUpperBound();
    BitSet reached = new BitSet(upper);
    int[] queue = new int[upper];
    int head = 0;
    int tail = 0;
    reached.set(entry.node);
    queue[tail++] = entry.node;
    while (head < tail) {
      for (NodesIterator it = view.getNeighborsIterator(0, queue[head++]); it.hasNext(); ) {
        int next = it.nextInt();
        if (!reached.get(next)) {
          reached.set(next);
          queue[tail++] = next;
        }
      }
    }
    int unreached = 0;
    for (int ord = 0; ord < upper; ord++) {
      if (!reached.get(ord) && graph.containsNode(ord)) queue[unreached++] = ord;
    }
    if (unreached == 0) return;
    for (int i = 0; i < unreached; i++) copy.markNodeDeleted(queue[i]);
    copy.removeDeletedNodes();
    for (int i = 0; i < unreached; i++) copy.addGraphNode(queue[i], slots.getVector(queue[i]));
  }

  /**
   * Applies up to {@code limit} logged mutations to the copy, oldest first; returns {added, retired}. A
   * retirement needs nothing in the graph (the ordinal's item is already gone), it only counts towards the next
   * compaction.
   */
  private int[] replay(GraphIndexBuilder copy, ConcurrentLinkedQueue<Integer> pending, int limit) {
    int added = 0;
    int retired = 0;
    for (int n = 0; n < limit; n++) {
      Integer op = pending.poll();
      if (op == null) break;
      if (op >= 0) {
        copy.addGraphNode(op, slots.getVector(op));
        added++;
      } else {
        retired++;
      }
    }
    return new int[] {added, retired};
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException("index is closed");
  }

  private static void closeQuietly(GraphIndexBuilder builder) {
    try {
      builder.close();
    } catch (IOException e) {
      // Closing only releases per-thread scratch space; nothing to recover.
    }
  }

  /** Releases the graph; later calls fail with IllegalStateException. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) return;
      closed = true;
      closeQuietly(current.builder);
    } finally {
      writeLock.unlock();
    }
  }

  private static float dot(float[] a, float[] b) {
    float sum = 0;
    for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum;
  }
}
