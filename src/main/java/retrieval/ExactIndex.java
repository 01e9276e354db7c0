package retrieval;

import io.github.jbellis.jvector.graph.NodeQueue;
import io.github.jbellis.jvector.util.BoundedLongHeap;
import io.github.jbellis.jvector.vector.VectorUtil;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * Brute-force cosine top-k: the ground truth that {@link VectorIndex} is checked against, with the same
 * upsert/delete/search methods and the same normalisation and validation.
 *
 * <p>Rows are packed into one float array, so a search is a sequential scan. Not thread-safe for mutations;
 * searches (including {@link #searchAll}) may run concurrently with each other but not with a mutation.
 */
public final class ExactIndex {

  private static final VectorTypeSupport VECTORS = VectorizationProvider.getInstance().getVectorTypeSupport();

  private final int dim;
  private final Map<String, Integer> rows = new HashMap<>();
  private String[] ids = new String[16];
  private float[] data;
  private VectorFloat<?> packed;
  private int size;

  public ExactIndex(int dim) {
    if (dim < 1) throw new IllegalArgumentException("dim must be positive: " + dim);
    this.dim = dim;
    this.data = new float[16 * dim];
    this.packed = VECTORS.createFloatVector(data);
  }

  /** Inserts the item or replaces its vector; same validation as {@link VectorIndex#upsert}. */
  public void upsert(String itemId, float[] vector) {
    Objects.requireNonNull(itemId, "itemId");
    float[] unit = Vectors.normalized(vector, dim);
    Integer row = rows.get(itemId);
    if (row == null) {
      if (size == ids.length) grow();
      row = size++;
      rows.put(itemId, row);
      ids[row] = itemId;
    }
    System.arraycopy(unit, 0, data, row * dim, dim);
  }

  /** Removes the item; false if absent. The last row moves into the hole. */
  public boolean delete(String itemId) {
    Integer row = rows.remove(itemId);
    if (row == null) return false;
    int last = --size;
    if (row != last) {
      System.arraycopy(data, last * dim, data, row * dim, dim);
      ids[row] = ids[last];
      rows.put(ids[row], row);
    }
    ids[last] = null;
    return true;
  }

  /**
   * The exact top {@code k} among items {@code accept} passes (null = all), best first.
   *
   * @param ef only checked ({@code ef >= k}) so that calls are interchangeable with {@link VectorIndex#search}:
   *     an exact scan has no breadth to tune
   */
  public List<Hit> search(float[] query, int k, int ef, Predicate<String> accept) {
    if (ef < k) throw new IllegalArgumentException("ef must be >= k: ef=" + ef + ", k=" + k);
    return search(query, k, accept);
  }

  /** The exact top {@code k} among items {@code accept} passes (null = all), best first. */
  public List<Hit> search(float[] query, int k, Predicate<String> accept) {
    if (k < 1) throw new IllegalArgumentException("k must be positive: " + k);
    VectorFloat<?> q = VECTORS.createFloatVector(Vectors.normalized(query, dim));
    NodeQueue top = new NodeQueue(new BoundedLongHeap(k), NodeQueue.Order.MIN_HEAP);
    for (int row = 0; row < size; row++) {
      if (accept != null && !accept.test(ids[row])) continue;
      top.push(row, VectorUtil.dotProduct(q, 0, packed, row * dim, dim));
    }
    Hit[] hits = new Hit[top.size()];
    for (int i = hits.length - 1; i >= 0; i--) {
      float score = top.topScore();
      hits[i] = new Hit(ids[top.pop()], score);
    }
    // The heap breaks score ties by row; results break them by item id, like VectorIndex.
    Arrays.sort(hits, Hit.BEST_FIRST);
    return Arrays.asList(hits);
  }

  /** {@link #search} for every query, on all cores. */
  public List<List<Hit>> searchAll(float[][] queries, int k) {
    return searchAll(queries, k, Runtime.getRuntime().availableProcessors());
  }

  /** {@link #search} for every query, on {@code threads} threads; results in query order. */
  public List<List<Hit>> searchAll(float[][] queries, int k, int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "exact-search");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<List<Hit>>> futures = new ArrayList<>(queries.length);
      for (float[] query : queries) futures.add(pool.submit(() -> search(query, k, null)));
      List<List<Hit>> results = new ArrayList<>(queries.length);
      for (Future<List<Hit>> f : futures) results.add(f.get());
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  public int size() {
    return size;
  }

  public boolean contains(String itemId) {
    return rows.containsKey(itemId);
  }

  /** A copy of the item's stored (unit-length) vector, or null if absent. */
  public float[] vector(String itemId) {
    Integer row = rows.get(itemId);
    return row == null ? null : Arrays.copyOfRange(data, row * dim, (row + 1) * dim);
  }

  private void grow() {
    int capacity = Math.multiplyExact(ids.length, 2);
    ids = Arrays.copyOf(ids, capacity);
    data = Arrays.copyOf(data, Math.multiplyExact(capacity, dim));
    packed = VECTORS.createFloatVector(data);
  }
}
