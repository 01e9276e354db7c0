package model;

import embedding.ItemHasher;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model-free text encoder: character 1–3-grams of the NFKC-normalised, lower-cased text, each hashed
 * (MurmurHash3) to a signed coordinate of a {@code dim}-vector, weighted by sublinear term frequency
 * {@code 1 + ln(tf)}, then L2-normalised.
 *
 * <p>Character n-grams need no word segmentation, so Chinese and English titles both work; texts that
 * share words share n-grams and land close. There are no paraphrase semantics: that is what
 * {@link BgeSmallZhEncoder} is for. The signed hash keeps collisions unbiased (they cancel in
 * expectation instead of adding up). Stateless after construction, hence thread-safe.
 */
public final class HashedNgramEncoder implements TextEncoder {

  public static final int DEFAULT_DIM = 256;
  public static final int DEFAULT_SEED = 0x6e6772; // "ngr"
  static final int MAX_N = 3;
  private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+");

  private final int dim;
  private final ItemHasher hasher;

  public HashedNgramEncoder() {
    this(DEFAULT_DIM, DEFAULT_SEED);
  }

  public HashedNgramEncoder(int dim, int seed) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0, got " + dim);
    this.dim = dim;
    this.hasher = new ItemHasher(seed);
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public String name() {
    return "hashed-ngrams";
  }

  @Override
  public float[] encode(String text) {
    int[] codePoints = normalise(text);
    if (codePoints == null) return null;
    float[] v = new float[dim];
    termCounts(codePoints).forEach((gram, tf) -> {
      long h = hasher.hash64(gram);
      int index = (int) Long.remainderUnsigned(h, dim);
      // The top bit is independent of the low bits that pick the index.
      float weight = (float) (1 + Math.log(tf));
      v[index] += h < 0 ? -weight : weight;
    });
    return Vectors.normalizeOrNull(v);
  }

  /** NFKC, lower case, whitespace runs collapsed to one space; null when nothing is left. */
  static int[] normalise(String text) {
    if (text == null) return null;
    String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT).strip();
    if (s.isEmpty()) return null;
    return WHITESPACE_RUN.matcher(s).replaceAll(" ").codePoints().toArray();
  }

  /** n-grams for n = 1..3 over code points; grams that are only a space carry no information. */
  static Map<String, Integer> termCounts(int[] cp) {
    Map<String, Integer> counts = new HashMap<>();
    for (int start = 0; start < cp.length; start++) {
      for (int n = 1; n <= MAX_N && start + n <= cp.length; n++) {
        if (n == 1 && cp[start] == ' ') continue;
        counts.merge(new String(cp, start, n), 1, Integer::sum);
      }
    }
    return counts;
  }
}
