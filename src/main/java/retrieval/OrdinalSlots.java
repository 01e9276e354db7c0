package retrieval;

import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The unit vector and item id of every graph ordinal of one {@link VectorIndex}, shared by all its graph
 * generations, and the ordinal allocator.
 *
 * <p>Written under the index's write lock only; read by any thread. Storage is chunked, so growing never
 * copies vectors and a reader never sees a half-copied array. Vectors need no fences of their own: a searcher
 * only reaches an ordinal through the graph or through its id, and both are published after the vector. Ids
 * are read and written with volatile semantics because they decide liveness: once a delete has returned, no
 * search that starts afterwards may return the item.
 */
final class OrdinalSlots implements RandomAccessVectorValues {

  private static final int CHUNK_BITS = 14;
  private static final int CHUNK = 1 << CHUNK_BITS;
  private static final int MASK = CHUNK - 1;
  private static final VarHandle ID = MethodHandles.arrayElementVarHandle(String[].class);
  // Heap per stored vector (compressed oops): jvector's ArrayVectorFloat wrapper plus the float[] header.
  private static final int VECTOR_OVERHEAD_BYTES = 16 + 16;

  /** Both chunk tables behind one reference, so a reader never pairs a new vector table with an old id table. */
  private record Chunks(VectorFloat<?>[][] vectors, String[][] ids) {}

  private final int dim;
  private volatile Chunks chunks = new Chunks(new VectorFloat<?>[0][], new String[0][]);
  private volatile int upperBound;
  private int[] free = new int[16];
  private int freeCount;
  private int storedVectors;

  OrdinalSlots(int dim) {
    this.dim = dim;
  }

  /** An ordinal for a new node: a released one if any, else the next unused one. */
  int allocate() {
    if (freeCount > 0) return free[--freeCount];
    int ord = upperBound;
    Chunks c = chunks;
    if (ord >> CHUNK_BITS == c.vectors.length) {
      int n = c.vectors.length + 1;
      VectorFloat<?>[][] vectors = Arrays.copyOf(c.vectors, n);
      String[][] ids = Arrays.copyOf(c.ids, n);
      vectors[n - 1] = new VectorFloat<?>[CHUNK];
      ids[n - 1] = new String[CHUNK];
      chunks = new Chunks(vectors, ids);
    }
    upperBound = ord + 1;
    return ord;
  }

  void setVector(int ord, VectorFloat<?> vector) {
    VectorFloat<?>[] chunk = chunks.vectors[ord >> CHUNK_BITS];
    if (chunk[ord & MASK] == null) storedVectors++;
    chunk[ord & MASK] = vector;
  }

  /** Makes {@code ord} live as {@code itemId}, or dead with {@code null}. */
  void setId(int ord, String itemId) {
    ID.setVolatile(chunks.ids[ord >> CHUNK_BITS], ord & MASK, itemId);
  }

  /** The item {@code ord} holds, or null when the ordinal is retired or unused. */
  String id(int ord) {
    return (String) ID.getVolatile(chunks.ids[ord >> CHUNK_BITS], ord & MASK);
  }

  /**
   * Drops the vector of a dead ordinal and hands the ordinal back to {@link #allocate}. Only for ordinals that
   * no graph generation still holds and no search can still reach.
   */
  void release(int ord) {
    if (id(ord) != null) throw new IllegalStateException("ordinal " + ord + " is still live");
    VectorFloat<?>[] chunk = chunks.vectors[ord >> CHUNK_BITS];
    if (chunk[ord & MASK] != null) storedVectors--;
    chunk[ord & MASK] = null;
    if (freeCount == free.length) free = Arrays.copyOf(free, 2 * freeCount);
    free[freeCount++] = ord;
  }

  /** One past the highest ordinal ever allocated. */
  int upperBound() {
    return upperBound;
  }

  long ramBytesUsed() {
    long perVector = VECTOR_OVERHEAD_BYTES + 4L * dim;
    long tables = (long) chunks.vectors.length * CHUNK * 2 * 4; // two reference arrays per chunk
    return (long) storedVectors * perVector + tables + 4L * free.length;
  }

  // ---- RandomAccessVectorValues: how jvector reads the vectors while building and searching ----

  @Override
  public int size() {
    return upperBound;
  }

  @Override
  public int dimension() {
    return dim;
  }

  @Override
  public VectorFloat<?> getVector(int ord) {
    return chunks.vectors[ord >> CHUNK_BITS][ord & MASK];
  }

  /** Each vector is its own object, never overwritten in place: callers may keep what they get. */
  @Override
  public boolean isValueShared() {
    return false;
  }

  /** Safe to share between threads, so a copy is this object. */
  @Override
  public RandomAccessVectorValues copy() {
    return this;
  }
}
