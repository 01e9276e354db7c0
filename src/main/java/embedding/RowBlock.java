package embedding;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;

/**
 * Packed storage for one range of one tier: fp16 rows in {@code short[]} plus one fp32 Adagrad
 * accumulator per row, held in pages that are allocated on first write.
 *
 * <p>A row that was never written reads as its {@link RowInit} values rounded to fp16 (round to
 * nearest even, saturating) with accumulator {@code initialAccumulator}. Allocating a page
 * materialises exactly those values for its other rows, so a read never depends on whether a
 * neighbouring row happened to be written.
 *
 * <p>Not thread-safe: a block belongs to one owner (one entity), which serialises access. Reads
 * ({@link #readRow}, {@link #readRaw}) share no scratch state, so several readers may run at once while no
 * write does (see {@link SharedRows}).
 */
public final class RowBlock {

  public static final int DEFAULT_PAGE_ROWS = 1024;

  private static final int MAGIC = 0x4b4c4252; // "RBLK" when written little-endian
  private static final int VERSION = 1;
  private static final int HEADER_BYTES = 6 * Integer.BYTES;
  // Heap estimate constants, assuming compressed oops and class pointers (heaps < 32 GB).
  private static final int ARRAY_HEADER_BYTES = 16;
  private static final int OBJECT_BYTES = 64;

  private final int rows;
  private final int dim;
  private final int pageRows;
  private final long tableSeed;
  private final long firstGlobalRow;
  private final float initStd;
  private final float initialAccumulator;
  private final short[][] weightPages;
  private final float[][] accumulatorPages;
  private final float[] initScratch;
  private int allocatedPages;

  public RowBlock(
      int rows, int dim, long tableSeed, long firstGlobalRow, float initStd, float initialAccumulator) {
    this(rows, dim, tableSeed, firstGlobalRow, initStd, initialAccumulator, DEFAULT_PAGE_ROWS);
  }

  public RowBlock(
      int rows,
      int dim,
      long tableSeed,
      long firstGlobalRow,
      float initStd,
      float initialAccumulator,
      int pageRows) {
    if (rows <= 0 || dim <= 0 || pageRows <= 0) {
      throw new IllegalArgumentException(
          "rows, dim and pageRows must be > 0, got " + rows + ", " + dim + ", " + pageRows);
    }
    if ((long) Math.min(rows, pageRows) * dim > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a page of " + pageRows + " rows of dim " + dim + " is too large");
    }
    if (firstGlobalRow < 0) {
      throw new IllegalArgumentException("firstGlobalRow must be >= 0, got " + firstGlobalRow);
    }
    if (!(initStd >= 0) || Float.isInfinite(initStd)) {
      throw new IllegalArgumentException("initStd must be finite and >= 0, got " + initStd);
    }
    checkAccumulator(initialAccumulator);
    this.rows = rows;
    this.dim = dim;
    this.pageRows = pageRows;
    this.tableSeed = tableSeed;
    this.firstGlobalRow = firstGlobalRow;
    this.initStd = initStd;
    this.initialAccumulator = initialAccumulator;
    int pages = (int) ((rows + (long) pageRows - 1) / pageRows);
    this.weightPages = new short[pages][];
    this.accumulatorPages = new float[pages][];
    this.initScratch = new float[dim];
  }

  public int rows() {
    return rows;
  }

  public int dim() {
    return dim;
  }

  public int pageRows() {
    return pageRows;
  }

  public int pageCount() {
    return weightPages.length;
  }

  public int allocatedPages() {
    return allocatedPages;
  }

  public boolean isPageAllocated(int page) {
    return weightPages[page] != null;
  }

  /** Calls {@code action} with the index of each allocated page, in ascending order. */
  public void forEachAllocatedPage(IntConsumer action) {
    for (int p = 0; p < weightPages.length; p++) {
      if (weightPages[p] != null) {
        action.accept(p);
      }
    }
  }

  /** Decoded fp32 values of {@code row} into {@code dst[off, off + dim)}. */
  public void readRow(int row, float[] dst, int off) {
    checkRow(row);
    Objects.checkFromIndexSize(off, dim, dst.length);
    short[] page = weightPages[row / pageRows];
    if (page == null) {
      RowInit.initRow(tableSeed, firstGlobalRow + row, initStd, dst, off, dim);
      for (int i = off, end = off + dim; i < end; i++) {
        dst[i] = Fp16.toFloat(initialBits(dst[i]));
      }
    } else {
      Fp16.decode(page, rowOffset(row), dst, off, dim);
    }
  }

  /** Raw fp16 bits of {@code row} into {@code dst[off, off + dim)}. */
  public void readRaw(int row, short[] dst, int off) {
    checkRow(row);
    Objects.checkFromIndexSize(off, dim, dst.length);
    short[] page = weightPages[row / pageRows];
    if (page == null) {
      initialRaw(row, dst, off, new float[dim]); // not initScratch: readers may run concurrently
    } else {
      System.arraycopy(page, rowOffset(row), dst, off, dim);
    }
  }

  /**
   * Rows whose stored values differ from what a never-written row reads as, ascending: what an export must carry
   * (a page is stored whole once one of its rows is written, so most of its rows are still their initial values).
   */
  public int[] changedRows() {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    short[] initial = new short[dim];
    float[] scratch = new float[dim];
    forEachAllocatedPage(p -> {
      short[] page = weightPages[p];
      for (int row = p * pageRows, end = Math.min(rows, row + pageRows); row < end; row++) {
        initialRaw(row, initial, 0, scratch);
        int off = rowOffset(row);
        for (int i = 0; i < dim; i++) {
          // by value, not bits: a zero-init table starts at -0 where the sign of the draw was negative
          if (Fp16.toFloat(page[off + i]) != Fp16.toFloat(initial[i])) {
            out.add(row);
            break;
          }
        }
      }
    });
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  public void writeRaw(int row, short[] src, int off) {
    checkRow(row);
    Objects.checkFromIndexSize(off, dim, src.length);
    System.arraycopy(src, off, page(row), rowOffset(row), dim);
  }

  /** Stores fp32 values with stochastic rounding, so small updates are not lost on average. */
  public void writeRow(int row, float[] src, int off, RandomGenerator rng) {
    checkRow(row);
    Objects.checkFromIndexSize(off, dim, src.length);
    Fp16.encode(src, off, page(row), rowOffset(row), dim, rng);
  }

  public float accumulator(int row) {
    checkRow(row);
    float[] page = accumulatorPages[row / pageRows];
    return page == null ? initialAccumulator : page[row % pageRows];
  }

  public void setAccumulator(int row, float acc) {
    checkRow(row);
    checkAccumulator(acc);
    page(row);
    accumulatorPages[row / pageRows][row % pageRows] = acc;
  }

  /** Returns the row to its initial values and accumulator, e.g. when a slot gets a new owner. */
  public void resetRow(int row) {
    checkRow(row);
    int p = row / pageRows;
    if (weightPages[p] == null) {
      return; // never written: already initial
    }
    initialRaw(row, weightPages[p], rowOffset(row), initScratch);
    accumulatorPages[p][row % pageRows] = initialAccumulator;
  }

  /** Estimated heap bytes of this block, arrays and their headers included. */
  public long heapBytes() {
    long bytes = OBJECT_BYTES
        + 2 * arrayBytes(Integer.BYTES, weightPages.length) // page tables hold compressed refs
        + arrayBytes(Float.BYTES, dim);
    for (int p = 0; p < weightPages.length; p++) {
      if (weightPages[p] != null) {
        bytes += arrayBytes(Short.BYTES, weightPages[p].length)
            + arrayBytes(Float.BYTES, accumulatorPages[p].length);
      }
    }
    return bytes;
  }

  /**
   * Snapshot: a little-endian header (magic, version, rows, dim, pageRows, page count), then for
   * each allocated page its index, its rows as raw fp16 and its accumulators as raw fp32 bits.
   * Untouched pages cost nothing; they are recomputed from the seed on load.
   */
  public byte[] toBytes() {
    long size = HEADER_BYTES;
    for (int p = 0; p < weightPages.length; p++) {
      if (weightPages[p] != null) {
        size += Integer.BYTES + (long) weightPages[p].length * Short.BYTES
            + (long) accumulatorPages[p].length * Float.BYTES;
      }
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("snapshot of " + size + " bytes exceeds a byte[]");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(MAGIC).putInt(VERSION).putInt(rows).putInt(dim).putInt(pageRows).putInt(allocatedPages);
    for (int p = 0; p < weightPages.length; p++) {
      short[] weights = weightPages[p];
      if (weights == null) {
        continue;
      }
      float[] accs = accumulatorPages[p];
      buf.putInt(p);
      buf.asShortBuffer().put(weights);
      buf.position(buf.position() + weights.length * Short.BYTES);
      buf.asFloatBuffer().put(accs);
      buf.position(buf.position() + accs.length * Float.BYTES);
    }
    return buf.array();
  }

  /**
   * Inverse of {@link #toBytes()}. The seed parameters are not part of the snapshot (they come
   * from the layout) and must be the ones the block was created with.
   *
   * @throws IllegalArgumentException if the bytes are not a valid snapshot
   */
  public static RowBlock fromBytes(
      byte[] bytes, long tableSeed, long firstGlobalRow, float initStd, float initialAccumulator) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      int magic = buf.getInt();
      if (magic != MAGIC) {
        throw new IllegalArgumentException("not a RowBlock snapshot (magic " + Integer.toHexString(magic) + ")");
      }
      int version = buf.getInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("unsupported RowBlock snapshot version " + version);
      }
      int rows = buf.getInt();
      int dim = buf.getInt();
      int pageRows = buf.getInt();
      int pageCount = buf.getInt();
      RowBlock block =
          new RowBlock(rows, dim, tableSeed, firstGlobalRow, initStd, initialAccumulator, pageRows);
      if (pageCount < 0 || pageCount > block.pageCount()) {
        throw new IllegalArgumentException("invalid page count " + pageCount);
      }
      int previous = -1;
      for (int i = 0; i < pageCount; i++) {
        int p = buf.getInt();
        if (p <= previous || p >= block.pageCount()) {
          throw new IllegalArgumentException("page index " + p + " out of order or range");
        }
        previous = p;
        int n = block.rowsInPage(p);
        short[] weights = new short[n * dim];
        float[] accs = new float[n];
        if (buf.remaining() < (long) weights.length * Short.BYTES + (long) accs.length * Float.BYTES) {
          throw new IllegalArgumentException("truncated RowBlock snapshot in page " + p);
        }
        buf.asShortBuffer().get(weights);
        buf.position(buf.position() + weights.length * Short.BYTES);
        buf.asFloatBuffer().get(accs);
        buf.position(buf.position() + accs.length * Float.BYTES);
        block.weightPages[p] = weights;
        block.accumulatorPages[p] = accs;
        block.allocatedPages++;
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException(buf.remaining() + " trailing bytes in RowBlock snapshot");
      }
      return block;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated RowBlock snapshot", e);
    }
  }

  private int rowsInPage(int page) {
    return Math.min(pageRows, rows - page * pageRows);
  }

  private int rowOffset(int row) {
    return (row % pageRows) * dim;
  }

  /** The weight page holding {@code row}, allocated and filled with initial values if needed. */
  private short[] page(int row) {
    int p = row / pageRows;
    short[] weights = weightPages[p];
    if (weights == null) {
      int n = rowsInPage(p);
      int first = p * pageRows;
      weights = new short[n * dim];
      for (int r = 0; r < n; r++) {
        initialRaw(first + r, weights, r * dim, initScratch);
      }
      float[] accs = new float[n];
      Arrays.fill(accs, initialAccumulator);
      weightPages[p] = weights;
      accumulatorPages[p] = accs;
      allocatedPages++;
    }
    return weights;
  }

  private void initialRaw(int row, short[] dst, int off, float[] scratch) {
    RowInit.initRow(tableSeed, firstGlobalRow + row, initStd, scratch, 0, dim);
    for (int i = 0; i < dim; i++) {
      dst[off + i] = initialBits(scratch[i]);
    }
  }

  /** Nearest fp16, saturating like training writes so a huge initStd cannot create infinities. */
  private static short initialBits(float value) {
    float clamped = Math.max(-Fp16.MAX_VALUE, Math.min(Fp16.MAX_VALUE, value));
    return Fp16.fromFloat(clamped);
  }

  private void checkRow(int row) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " outside [0, " + rows + ")");
    }
  }

  private static void checkAccumulator(float acc) {
    if (!(acc >= 0) || Float.isInfinite(acc)) {
      throw new IllegalArgumentException("accumulator must be finite and >= 0, got " + acc);
    }
  }

  private static long arrayBytes(int elementBytes, long length) {
    return (ARRAY_HEADER_BYTES + elementBytes * length + 7) & ~7L;
  }
}
