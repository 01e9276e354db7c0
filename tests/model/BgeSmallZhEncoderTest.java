package model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loads the real quantized model (a few seconds, once for the class). */
class BgeSmallZhEncoderTest {

  static final Path CACHE = Path.of("target", "thermocline-cache");
  private static TextEncoder encoder;

  @BeforeAll
  static void load() {
    encoder = TextEncoders.create(TextEncoders.BGE_SMALL_ZH, 0, CACHE);
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  private static double cos(String a, String b) {
    return Vectors.dot(encoder.encode(a), encoder.encode(b));
  }

  @Test
  void paraphrasesAreCloserThanUnrelatedTitles() {
    String cat = "可爱的小猫在沙发上睡觉";
    double paraphrase = cos(cat, "一只猫咪躺在沙发上打盹");
    double unrelated = cos(cat, "今天股市大跌，投资者损失惨重");
    assertTrue(paraphrase > unrelated + 0.1, paraphrase + " vs " + unrelated);
    String recipe = "红烧肉的家常做法";
    assertTrue(cos(recipe, "教你在家做红烧肉") > cos(recipe, "篮球比赛精彩集锦") + 0.1);
  }

  @Test
  void metaEncoderHeadKeepsTheParaphraseOrder() {
    MetaEncoder meta = new MetaEncoder(MetaEncoder.Config.defaults(encoder.dim()));
    float[] a = meta.head(encoder.encode("红烧肉的家常做法"));
    float[] b = meta.head(encoder.encode("教你在家做红烧肉"));
    float[] c = meta.head(encoder.encode("篮球比赛精彩集锦"));
    assertTrue(cosine(a, b) > cosine(a, c) + 0.1, cosine(a, b) + " vs " + cosine(a, c));
  }

  private static double cosine(float[] a, float[] b) {
    return Vectors.dot(a, b) / Math.sqrt(Vectors.dot(a, a) * Vectors.dot(b, b));
  }

  @Test
  void vectorsAre512dUnitLength() {
    float[] v = encoder.encode("周末去海边看日出");
    assertEquals(512, v.length);
    assertEquals(512, encoder.dim());
    assertEquals(1.0, Math.sqrt(Vectors.dot(v, v)), 1e-4);
    assertArrayEquals(v, encoder.encode(" 周末去海边看日出 "), 1e-6f, "deterministic, trimmed");
    assertEquals(512, encoder.encode("sunrise at the beach this weekend").length, "English works too");
  }

  @Test
  void blankTextHasNoVector() {
    assertNull(encoder.encode(null));
    assertNull(encoder.encode(" \n"));
  }

  @Test
  void modelWasExtractedToTheCacheDirectory() throws Exception {
    Path onnx = CACHE.resolve("bge-small-zh-v1.5-q-" + BgeSmallZhEncoder.ARTIFACT_VERSION + ".onnx");
    assertTrue(Files.size(onnx) > 10_000_000, "the .onnx is a file, not a heap copy");
    assertEquals(onnx, BgeSmallZhEncoder.extractOnce(CACHE), "extracted once, then reused");
  }

  @Test
  void veryLongTextIsCutNotRejected() {
    float[] v = encoder.encode("猫".repeat(50_000));
    assertEquals(512, v.length);
  }
}
