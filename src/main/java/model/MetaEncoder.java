package model;

import embedding.RowInit;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The metadata embedding of an item:
 * {@code m = head(text) + mean(tag rows) + category row + uploader row + W_img·image}, each term only when present.
 *
 * <p>Dense parts (the text {@link MlpHead} and the image map) live here, seeded and frozen in online learning.
 * Tag, category and uploader rows are hashed feature rows in the row store, owned by its actors: this class
 * only names them ({@link #featureKeys}), adds them up ({@link #forward}) and says how the loss gradient
 * flows back to each ({@link #featureGradients}).
 *
 * <p>No metadata at all ({@link #hasMetadata} false): the caller uses {@link UploaderMeans} for the uploader,
 * else the learned default row, key {@link #DEFAULT_KEY}, through the same forward/gradient path.
 * Forward and gradients are read-only and thread-safe.
 */
public final class MetaEncoder {

  public static final String TAG_PREFIX = "tag:";
  public static final String CATEGORY_PREFIX = "category:";
  public static final String UPLOADER_PREFIX = "uploader:";
  public static final String DEFAULT_KEY = "default";
  /** Tags beyond this many distinct ones are ignored: bounded work and rows per item. */
  public static final int MAX_TAGS = 32;

  /** Shapes and seed; {@link #defaults(int)} gives d = 32, hidden 128, image 64. */
  public record Config(int textDim, int hiddenDim, int dim, int imageDim, long seed) {
    public Config {
      if (textDim <= 0) throw new IllegalArgumentException("textDim must be > 0, got " + textDim);
      if (hiddenDim <= 0) throw new IllegalArgumentException("hiddenDim must be > 0, got " + hiddenDim);
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0, got " + dim);
      if (imageDim <= 0) throw new IllegalArgumentException("imageDim must be > 0, got " + imageDim);
    }

    public static Config defaults(int textDim) {
      return new Config(textDim, 128, 32, 64, 0x6d657461L);
    }
  }

  /** dL/dθ of the dense parts for one item; a part is null when its input was absent. */
  public record DenseGradients(MlpHead.Gradients head, DenseLayer.Gradients image) {}

  private final Config config;
  private final MlpHead head;
  private final DenseLayer imageMap;

  public MetaEncoder(Config config) {
    this.config = config;
    this.head = new MlpHead(config.textDim(), config.hiddenDim(), config.dim(), RowInit.mix(config.seed(), 1));
    this.imageMap = new DenseLayer(config.imageDim(), config.dim(), DenseLayer.Activation.IDENTITY,
        RowInit.mix(config.seed(), 2));
  }

  private MetaEncoder(Config config, MlpHead head, DenseLayer imageMap) {
    this.config = config;
    this.head = head;
    this.imageMap = imageMap;
  }

  /** An independent copy for full learning to train while this one serves. */
  public MetaEncoder copy() {
    return new MetaEncoder(config, head.copy(), imageMap.copy());
  }

  public Config config() {
    return config;
  }

  public int dim() {
    return config.dim();
  }

  /**
   * True when there is anything to encode beyond the uploader: a non-blank title, a tag, a category or an image.
   */
  public boolean hasMetadata(String title, List<String> tags, String category, float[] image) {
    if (!isBlank(title) || !isBlank(category) || image != null) return true;
    if (tags != null) {
      for (String tag : tags) if (!isBlank(tag)) return true;
    }
    return false;
  }

  /**
   * Store keys of the item's feature rows: distinct normalised tags ("tag:猫"), then "category:…", then
   * "uploader:…"; absent or blank parts give no key. Tags and categories are NFKC, lower case and trimmed so
   * "Cats " and "cats" share a row; uploader ids are only trimmed (they are identifiers).
   */
  public List<String> featureKeys(List<String> tags, String category, String uploaderId) {
    List<String> keys = new ArrayList<>();
    if (tags != null) {
      Set<String> distinct = new LinkedHashSet<>();
      for (String tag : tags) {
        String label = tag == null ? "" : normaliseLabel(tag);
        if (label.isEmpty()) continue;
        if (distinct.size() == MAX_TAGS) break;
        distinct.add(label);
      }
      for (String tag : distinct) keys.add(TAG_PREFIX + tag);
    }
    String categoryLabel = category == null ? "" : normaliseLabel(category);
    if (!categoryLabel.isEmpty()) keys.add(CATEGORY_PREFIX + categoryLabel);
    if (!isBlank(uploaderId)) keys.add(UPLOADER_PREFIX + uploaderId.strip());
    return keys;
  }

  /** The keys to fetch when {@link #hasMetadata} is false and the uploader has no history. */
  public List<String> defaultKeys() {
    return List.of(DEFAULT_KEY);
  }

  /**
   * Weight of each feature row in m: 1/nTags for tags (their mean), 1 for everything else.
   */
  public float[] featureWeights(List<String> keys) {
    if (keys == null) throw new IllegalArgumentException("keys must not be null");
    int tags = 0;
    for (String key : keys) {
      if (key == null) throw new IllegalArgumentException("keys must not contain null");
      if (key.startsWith(TAG_PREFIX)) tags++;
    }
    float[] w = new float[keys.size()];
    for (int k = 0; k < w.length; k++) w[k] = keys.get(k).startsWith(TAG_PREFIX) ? 1f / tags : 1f;
    return w;
  }

  /** The text head alone: the text part of m, or null without text. */
  public float[] head(float[] text) {
    if (text == null) return null;
    checkVector(text, config.textDim(), "text");
    return head.forward(text);
  }

  /**
   * m for one item. {@code text} (length textDim) and {@code image} (length imageDim) may be null;
   * {@code featureRows[k]} (length d) is the current row of {@code keys.get(k)}. All parts absent → zeros.
   */
  public float[] forward(float[] text, List<String> keys, float[][] featureRows, float[] image) {
    float[] w = featureWeights(keys);
    if (featureRows == null || featureRows.length != w.length) {
      throw new IllegalArgumentException("featureRows must be aligned with keys (" + w.length + " rows)");
    }
    float[] m = new float[config.dim()];
    float[] textPart = head(text);
    if (textPart != null) addScaled(m, textPart, 1f);
    for (int k = 0; k < w.length; k++) {
      checkVector(featureRows[k], config.dim(), "featureRows[" + k + "]");
      addScaled(m, featureRows[k], w[k]);
    }
    if (image != null) {
      checkVector(image, config.imageDim(), "image");
      addScaled(m, imageMap.forward(image), 1f);
    }
    return m;
  }

  /** dL/d(row of keys.get(k)) given dL/dm: m is linear in each row with weight {@link #featureWeights}. */
  public float[][] featureGradients(float[] dMeta, List<String> keys) {
    checkVector(dMeta, config.dim(), "dMeta");
    float[] w = featureWeights(keys);
    float[][] grads = new float[w.length][config.dim()];
    for (int k = 0; k < w.length; k++) addScaled(grads[k], dMeta, w[k]);
    return grads;
  }

  /** dL/dθ of the dense parts (full learning only: they are frozen online). */
  public DenseGradients denseGradients(float[] text, float[] image, float[] dMeta) {
    checkVector(dMeta, config.dim(), "dMeta");
    MlpHead.Gradients h = null;
    if (text != null) {
      checkVector(text, config.textDim(), "text");
      h = head.backward(text, dMeta);
    }
    DenseLayer.Gradients img = null;
    if (image != null) {
      checkVector(image, config.imageDim(), "image");
      img = imageMap.backward(image, dMeta);
    }
    return new DenseGradients(h, img);
  }

  /** SGD step on the dense parts; call on a {@link #copy()}, never on the serving instance. */
  public void applyDense(DenseGradients g, float learningRate) {
    if (g.head() != null) head.apply(g.head(), learningRate);
    if (g.image() != null) imageMap.apply(g.image(), learningRate);
  }

  static String normaliseLabel(String label) {
    return Normalizer.normalize(label, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT).strip();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static void addScaled(float[] acc, float[] v, float scale) {
    for (int i = 0; i < acc.length; i++) acc[i] += scale * v[i];
  }

  private static void checkVector(float[] v, int length, String name) {
    if (v == null || v.length != length) {
      throw new IllegalArgumentException(name + " must have length " + length
          + ", got " + (v == null ? "null" : v.length));
    }
    for (float x : v) {
      if (!Float.isFinite(x)) throw new IllegalArgumentException(name + " has a non-finite value");
    }
  }
}
