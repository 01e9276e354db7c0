package model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MetaEncoderTest {

  private static final int TEXT_DIM = 256;
  private final MetaEncoder encoder = new MetaEncoder(MetaEncoder.Config.defaults(TEXT_DIM));
  private final SplittableRandom random = new SplittableRandom(42);

  private float[] gaussian(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble() * 2 - 1);
    return v;
  }

  private float[][] rows(int n) {
    float[][] r = new float[n][];
    for (int k = 0; k < n; k++) r[k] = gaussian(encoder.dim());
    return r;
  }

  @Test
  void featureKeysAreNormalisedDistinctAndOrdered() {
    var keys = encoder.featureKeys(List.of("猫", "Cats ", "cats", " ", "ＣＡＴＳ"), " Pets", " u9 ");
    assertEquals(List.of("tag:猫", "tag:cats", "category:pets", "uploader:u9"), keys);
    assertEquals(List.of(), encoder.featureKeys(null, null, null));
    assertEquals(List.of("uploader:U9"), encoder.featureKeys(List.of(), "  ", "U9"));
  }

  @Test
  void tagsAreAveragedOtherRowsAdded() {
    var keys = List.of("tag:a", "tag:b", "category:c", "uploader:u");
    float[][] rows = rows(4);
    float[] m = encoder.forward(null, keys, rows, null);
    for (int i = 0; i < m.length; i++) {
      assertEquals((rows[0][i] + rows[1][i]) / 2 + rows[2][i] + rows[3][i], m[i], 1e-6f);
    }
  }

  /** Finite differences of L(rows) = <g, m(rows)> + ½|m|² against featureGradients(dL/dm). */
  @Test
  void featureGradientsMatchFiniteDifferences() {
    var keys = encoder.featureKeys(List.of("猫", "dog", "sofa"), "pets", "u9");
    float[] text = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
    float[] image = gaussian(64);
    float[][] rows = rows(keys.size());
    float[] g = gaussian(encoder.dim());
    float[] m = encoder.forward(text, keys, rows, image);
    float[] dMeta = new float[m.length];
    for (int i = 0; i < m.length; i++) dMeta[i] = g[i] + m[i];
    float[][] grads = encoder.featureGradients(dMeta, keys);
    double eps = 1e-3;
    for (int k = 0; k < keys.size(); k++) {
      for (int i = 0; i < encoder.dim(); i += 5) {
        float saved = rows[k][i];
        rows[k][i] = (float) (saved + eps);
        double plus = loss(g, encoder.forward(text, keys, rows, image));
        rows[k][i] = (float) (saved - eps);
        double minus = loss(g, encoder.forward(text, keys, rows, image));
        rows[k][i] = saved;
        assertEquals((plus - minus) / (2 * eps), grads[k][i], 2e-3, keys.get(k) + "[" + i + "]");
      }
    }
    assertEquals(dMeta[0] / 3, grads[0][0], 1e-6, "tags share the gradient");
  }

  /** Same check for the dense head and image map (full learning uses these). */
  @Test
  void denseGradientsMatchFiniteDifferences() {
    MetaEncoder copy = encoder.copy();
    // Ten times a unit vector: hidden pre-activations ~N(0, 0.8), where tanh bends.
    float[] text = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
    for (int i = 0; i < TEXT_DIM; i++) text[i] *= 10;
    float[] image = gaussian(64);
    float[] g = gaussian(copy.dim());
    List<String> keys = List.of();
    float[][] none = new float[0][];
    MetaEncoder.DenseGradients grads = copy.denseGradients(text, image, g);
    // Perturb single weights through apply(): a gradient with one 1 at position p moves θ_p by -lr.
    double eps = 1e-2;
    for (int p = 0; p < grads.head().hidden().weights().length; p += 997) {
      checkOneWeight(copy, text, image, g, keys, none, eps, grads.head().hidden().weights(), p, true, 0);
    }
    for (int p = 0; p < grads.head().output().weights().length; p += 97) {
      checkOneWeight(copy, text, image, g, keys, none, eps, grads.head().output().weights(), p, true, 1);
    }
    for (int p = 0; p < grads.image().weights().length; p += 97) {
      checkOneWeight(copy, text, image, g, keys, none, eps, grads.image().weights(), p, false, 0);
    }
    assertNotNull(grads.head().input());
    assertNull(copy.denseGradients(null, null, g).head(), "no text, no head gradient");
  }

  private void checkOneWeight(MetaEncoder enc, float[] text, float[] image, float[] g, List<String> keys,
      float[][] rows, double eps, float[] analytic, int position, boolean head, int layer) {
    double plus = shifted(enc, text, image, g, keys, rows, -eps, position, head, layer);
    double minus = shifted(enc, text, image, g, keys, rows, eps, position, head, layer);
    assertEquals((plus - minus) / (2 * eps), analytic[position], 2e-3);
  }

  /** Loss after moving one weight by -lr·1 (then moving it back). */
  private double shifted(MetaEncoder enc, float[] text, float[] image, float[] g, List<String> keys, float[][] rows,
      double lr, int position, boolean head, int layer) {
    MetaEncoder.DenseGradients unit = unitGradient(enc, text, image, g, position, head, layer);
    enc.applyDense(unit, (float) lr);
    double l = dot(g, enc.forward(text, keys, rows, image));
    enc.applyDense(unit, (float) -lr);
    return l;
  }

  private static MetaEncoder.DenseGradients unitGradient(MetaEncoder enc, float[] text, float[] image, float[] g,
      int position, boolean head, int layer) {
    MetaEncoder.DenseGradients shape = enc.denseGradients(text, image, g);
    if (head) {
      DenseLayer.Gradients h = zero(shape.head().hidden());
      DenseLayer.Gradients o = zero(shape.head().output());
      (layer == 0 ? h : o).weights()[position] = 1;
      return new MetaEncoder.DenseGradients(new MlpHead.Gradients(h, o), null);
    }
    DenseLayer.Gradients i = zero(shape.image());
    i.weights()[position] = 1;
    return new MetaEncoder.DenseGradients(null, i);
  }

  private static DenseLayer.Gradients zero(DenseLayer.Gradients like) {
    return new DenseLayer.Gradients(new float[like.weights().length], new float[like.bias().length],
        new float[like.input().length]);
  }

  private static double loss(float[] g, float[] m) {
    return dot(g, m) + 0.5 * dot(m, m);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  /** Pairs of texts with cosines spread over [-1, 1]: the head's cosines must track them. */
  @Test
  void headPreservesTextSimilarity() {
    List<double[]> pairs = new ArrayList<>();
    for (int p = 0; p < 200; p++) {
      float[] a = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
      float[] noise = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
      double mix = random.nextDouble() * 2 - 1;
      float[] b = new float[TEXT_DIM];
      for (int i = 0; i < TEXT_DIM; i++) b[i] = (float) (mix * a[i] + Math.sqrt(1 - mix * mix) * noise[i]);
      b = Vectors.normalizeOrNull(b);
      pairs.add(new double[] {cosine(a, b), cosine(encoder.head(a), encoder.head(b))});
    }
    double r = correlation(pairs);
    assertTrue(r > 0.9, "correlation of text and head cosines " + r);
    double meanAbsError = pairs.stream().mapToDouble(p -> Math.abs(p[0] - p[1])).average().orElseThrow();
    assertTrue(meanAbsError < 0.2, "mean |Δcos| " + meanAbsError);
  }

  @Test
  void headPreservesHashedNgramNeighbours() {
    HashedNgramEncoder text = new HashedNgramEncoder();
    float[] a = encoder.head(text.encode("可爱的小猫在沙发上睡觉"));
    float[] b = encoder.head(text.encode("小猫在沙发上睡觉的样子"));
    float[] c = encoder.head(text.encode("股票市场今日大跌"));
    assertTrue(cosine(a, b) > cosine(a, c) + 0.2, cosine(a, b) + " vs " + cosine(a, c));
  }

  @Test
  void missingPartsAreSkippedWithoutNaN() {
    float[] text = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
    float[] image = gaussian(64);
    float[] onlyText = encoder.forward(text, List.of(), new float[0][], null);
    assertArrayEquals(encoder.head(text), onlyText);
    float[] onlyImage = encoder.forward(null, List.of(), new float[0][], image);
    float[] both = encoder.forward(text, List.of(), new float[0][], image);
    for (int i = 0; i < both.length; i++) assertEquals(onlyText[i] + onlyImage[i], both[i], 1e-6f);
    float[] nothing = encoder.forward(null, List.of(), new float[0][], null);
    assertArrayEquals(new float[encoder.dim()], nothing);
    for (float[] v : List.of(onlyText, onlyImage, both, nothing)) {
      for (float x : v) assertTrue(Float.isFinite(x));
    }
    float[][] noTagsGrad = encoder.featureGradients(gaussian(encoder.dim()), List.of("category:c"));
    for (float x : noTagsGrad[0]) assertTrue(Float.isFinite(x), "no tags: no 1/0");
  }

  @Test
  void hasMetadataLooksBeyondTheUploader() {
    assertFalse(encoder.hasMetadata(null, null, null, null));
    assertFalse(encoder.hasMetadata(" ", Arrays.asList(" ", null), "", null));
    assertTrue(encoder.hasMetadata("标题", null, null, null));
    assertTrue(encoder.hasMetadata(null, List.of("猫"), null, null));
    assertTrue(encoder.hasMetadata(null, null, "pets", null));
    assertTrue(encoder.hasMetadata(null, null, null, new float[64]));
  }

  @Test
  void defaultRowGoesThroughTheSamePath() {
    float[][] row = rows(1);
    assertArrayEquals(row[0], encoder.forward(null, encoder.defaultKeys(), row, null));
    assertArrayEquals(row[0], encoder.featureGradients(row[0], encoder.defaultKeys())[0]);
  }

  @Test
  void deterministicFromTheSeed() {
    float[] text = Vectors.normalizeOrNull(gaussian(TEXT_DIM));
    assertArrayEquals(encoder.head(text), new MetaEncoder(MetaEncoder.Config.defaults(TEXT_DIM)).head(text));
    var other = new MetaEncoder(new MetaEncoder.Config(TEXT_DIM, 128, 32, 64, 7));
    assertFalse(Arrays.equals(encoder.head(text), other.head(text)));
  }

  @Test
  void badInputNamesTheParameter() {
    assertMessage("text", () -> encoder.forward(new float[3], List.of(), new float[0][], null));
    assertMessage("image", () -> encoder.forward(null, List.of(), new float[0][], new float[3]));
    assertMessage("featureRows", () -> encoder.forward(null, List.of("tag:a"), new float[0][], null));
    assertMessage("featureRows[0]", () -> encoder.forward(null, List.of("tag:a"), new float[][] {{1}}, null));
    assertMessage("dMeta", () -> encoder.featureGradients(new float[2], List.of()));
    float[] nan = new float[TEXT_DIM];
    nan[0] = Float.NaN;
    assertMessage("text", () -> encoder.head(nan));
    assertMessage("dim", () -> new MetaEncoder.Config(8, 8, 0, 8, 1));
  }

  private static void assertMessage(String parameter, org.junit.jupiter.api.function.Executable call) {
    var e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().startsWith(parameter), e.getMessage());
  }

  private static double cosine(float[] a, float[] b) {
    return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  }

  private static double correlation(List<double[]> pairs) {
    double mx = 0, my = 0;
    for (double[] p : pairs) {
      mx += p[0];
      my += p[1];
    }
    mx /= pairs.size();
    my /= pairs.size();
    double sxy = 0, sxx = 0, syy = 0;
    for (double[] p : pairs) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
      syy += (p[1] - my) * (p[1] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }
}
