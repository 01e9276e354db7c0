package simulation;

import embedding.ItemHasher;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import model.MetaEncoder;
import model.TextEncoder;

/**
 * The metadata inputs of every item of a world, computed once and shared by all training runs: the frozen text
 * head's output {@code head(encode(title))} (online learning never changes it, so it is cached, as the issue
 * asks: "never recomputed on the hot path"), and the item's feature rows (tags, category, uploader) as indices
 * into a hashed feature table with their weights in m.
 */
public final class ItemFeatures {

  /** Feature-row keys hash into the feature table with this MurmurHash3 seed. */
  public static final int FEATURE_HASH_SEED = 0x66656174; // "feat"

  private final MetaEncoder encoder;
  private final String textEncoderName;
  private final int featureRows;
  private final int defaultRow;
  private final float[][] head;
  private final int[][] rows;
  private final float[][] weights;
  private final boolean[] hasMetadata;
  private final String[] uploader;

  private ItemFeatures(MetaEncoder encoder, String textEncoderName, int featureRows, int items) {
    this.encoder = encoder;
    this.textEncoderName = textEncoderName;
    this.featureRows = featureRows;
    this.defaultRow = new ItemHasher(FEATURE_HASH_SEED).bucket(MetaEncoder.DEFAULT_KEY, featureRows);
    this.head = new float[items][];
    this.rows = new int[items][];
    this.weights = new float[items][];
    this.hasMetadata = new boolean[items];
    this.uploader = new String[items];
  }

  /**
   * Encodes every item's title with {@code text} on {@code threads} threads.
   *
   * @param featureRows size of the hashed feature table (tags, categories, uploaders, the default row)
   * @param progress called with the number of items done, now and then (may be null)
   */
  public static ItemFeatures compute(SyntheticWorld world, TextEncoder text, MetaEncoder encoder, int featureRows,
      int threads, IntConsumer progress) throws InterruptedException {
    if (featureRows < 1) throw new IllegalArgumentException("featureRows must be >= 1, got " + featureRows);
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    if (text.dim() != encoder.config().textDim()) {
      throw new IllegalArgumentException("text encoder gives " + text.dim() + " floats, the head takes "
          + encoder.config().textDim());
    }
    int n = world.itemCount();
    ItemFeatures f = new ItemFeatures(encoder, text.name(), featureRows, n);
    ItemHasher hasher = new ItemHasher(FEATURE_HASH_SEED);
    AtomicInteger done = new AtomicInteger();
    int chunk = 256;
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "item-features");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> parts = new java.util.ArrayList<>();
      for (int from = 0; from < n; from += chunk) {
        int start = from;
        parts.add(pool.submit(() -> {
          for (int i = start; i < Math.min(n, start + chunk); i++) f.fill(world.item(i), text, hasher);
          int total = done.addAndGet(Math.min(chunk, n - start));
          if (progress != null && (total / chunk) % 40 == 0) progress.accept(total);
        }));
      }
      for (Future<?> p : parts) p.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("encoding items failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return f;
  }

  private void fill(SyntheticWorld.Item item, TextEncoder text, ItemHasher hasher) {
    int i = item.index();
    uploader[i] = item.uploaderId();
    hasMetadata[i] = encoder.hasMetadata(item.title(), item.tags(), item.category(), null);
    if (!hasMetadata[i]) {
      rows[i] = new int[0];
      weights[i] = new float[0];
      return;
    }
    float[] encoded = text.encode(item.title());
    head[i] = encoded == null ? null : encoder.head(encoded);
    List<String> keys = encoder.featureKeys(item.tags(), item.category(), item.uploaderId());
    rows[i] = keys.stream().mapToInt(k -> hasher.bucket(k, featureRows)).toArray();
    weights[i] = encoder.featureWeights(keys);
  }

  public MetaEncoder encoder() {
    return encoder;
  }

  public int dim() {
    return encoder.dim();
  }

  public String textEncoderName() {
    return textEncoderName;
  }

  public int featureRows() {
    return featureRows;
  }

  /** The feature row of {@link MetaEncoder#DEFAULT_KEY}: m of an item without metadata or uploader history. */
  public int defaultRow() {
    return defaultRow;
  }

  /** head(text) of the item's title, or null without a title. Shared: do not modify. */
  public float[] head(int item) {
    return head[item];
  }

  /** Feature-table rows of the item's tags, category and uploader (empty without metadata). Shared. */
  public int[] rows(int item) {
    return rows[item];
  }

  /** Weight of each of {@link #rows} in m (1/nTags for tags). Shared. */
  public float[] weights(int item) {
    return weights[item];
  }

  public boolean hasMetadata(int item) {
    return hasMetadata[item];
  }

  public String uploader(int item) {
    return uploader[item];
  }
}
