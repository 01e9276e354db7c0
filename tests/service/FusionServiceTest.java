package service;

import app.Settings;
import actors.BucketRanges;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import embedding.StoreLayout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import model.MetaEncoder;
import model.OnlineStep;
import model.TextEncoders;
import model.UploaderMeans;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;

/** How an item's m is chosen (own metadata, its uploader's mean, the default) and what feeds the means. No Akka. */
class FusionServiceTest {

  private static final StoreLayout LAYOUT =
      Settings.store(ConfigFactory.load().getConfig("thermocline.store")).layout();
  private static final int D = LAYOUT.dim();

  private final UploaderMeans means = new UploaderMeans(D, 100, 10);
  private final MetaEncoder encoder = new MetaEncoder(new MetaEncoder.Config(256, 16, D, 64, 5));
  // No rows are read here: serve() is not called, only the parts it is made of.
  private final FusionService fusion =
      new FusionService(LAYOUT, null, encoder, TextEncoders.create(TextEncoders.HASHED_NGRAMS, 256, null), means);

  private static ItemRecord item(String id, String title, List<String> tags, String category, String uploader) {
    var meta = new ItemRecord.ItemMetadata(title, tags, category, uploader, Instant.EPOCH, null);
    return new ItemRecord(id, meta, "cold", 7, -1, true, Instant.EPOCH, Instant.EPOCH, null);
  }

  private static ItemRecord bare(String id, String uploader) {
    return item(id, null, List.of(), null, uploader);
  }

  private static float[] unit(SplittableRandom rng) {
    float[] v = new float[D];
    for (int i = 0; i < D; i++) v[i] = (float) rng.nextGaussian();
    return model.Vectors.normalizeOrNull(v);
  }

  private static FusionService.Served served(float[] f) {
    return new FusionService.Served(new float[D], new float[D], f, 0.3);
  }

  @Test
  void withoutMetadataTheUploadersMeanIsM() {
    float[] mean = unit(new SplittableRandom(1));
    means.add("up-1", mean);
    ItemRecord noMeta = bare("v1", "up-1");
    FusionService.MetaInputs in = fusion.metaInputs(noMeta.metadata());
    assertArrayEquals(mean, in.uploaderMean(), 1e-7f);
    assertTrue(in.keys().isEmpty() && in.rows().isEmpty(), "no feature row behind a mean");
    float[] m = fusion.meta(noMeta, in, Map.of());
    assertArrayEquals(mean, m, 1e-7f);
    m[0] = 42; // a copy: the caller cannot change the remembered mean
    assertArrayEquals(mean, fusion.meta(noMeta, in, Map.of()), 1e-7f);
  }

  @Test
  void withoutMetadataOrUploaderHistoryTheDefaultRowIsM() {
    means.add("up-1", unit(new SplittableRandom(2)));
    for (ItemRecord noMeta : List.of(bare("v2", "up-unknown"), bare("v3", null), bare("v4", "  "))) {
      FusionService.MetaInputs in = fusion.metaInputs(noMeta.metadata());
      assertNull(in.uploaderMean(), noMeta.itemId());
      assertEquals(List.of(MetaEncoder.DEFAULT_KEY), in.keys(), noMeta.itemId());
      assertEquals(List.of(fusion.featureRow(MetaEncoder.DEFAULT_KEY)), in.rows());
    }
  }

  @Test
  void anItemWithMetadataUsesItsOwnFeatureRowsEvenWhenItsUploaderHasAMean() {
    means.add("up-1", unit(new SplittableRandom(3)));
    ItemRecord described = item("v5", null, List.of("Cats"), "pets", "up-1");
    FusionService.MetaInputs in = fusion.metaInputs(described.metadata());
    assertNull(in.uploaderMean());
    assertEquals(List.of("tag:cats", "category:pets", "uploader:up-1"), in.keys());
    // A title alone is metadata too.
    assertNull(fusion.metaInputs(item("v6", "a title", List.of(), null, "up-1").metadata()).uploaderMean());
  }

  @Test
  void onlyItemsWithAnUploaderAndMetadataOfTheirOwnFeedTheMeans() {
    SplittableRandom rng = new SplittableRandom(4);
    float[] a = unit(rng);
    float[] b = unit(rng);
    List<ItemRecord> items = List.of(
        item("v7", "title", List.of(), null, "up-2"),
        item("v8", null, List.of("tag"), null, "up-2"),
        bare("v9", "up-2"), // its m is the mean or the default: not folded back
        item("v10", "title", List.of(), null, null),
        item("v11", "title", List.of(), null, "up-3"));
    fusion.remember(items, List.of(served(a), served(b), served(unit(rng)), served(unit(rng)), served(new float[D])));
    assertEquals(2, means.count("up-2"));
    float[] expected = new float[D];
    for (int i = 0; i < D; i++) expected[i] = (a[i] + b[i]) / 2;
    assertArrayEquals(expected, means.mean("up-2"), 1e-6f);
    assertEquals(0, means.count("up-3"), "a zero vector has no direction to remember");
    assertEquals(1, means.size());
    assertThrows(IllegalArgumentException.class, () -> fusion.remember(items, List.of(served(a))));
  }

  /**
   * The learner's step for an item whose m is its uploader's mean: dL/dm exists (m takes part in the loss) but no
   * row is behind it, so no feature row moves; its hash row and θ do learn.
   */
  @Test
  void theLearnerMovesTheHashRowAndThetaButNothingBehindAMean() {
    SplittableRandom rng = new SplittableRandom(5);
    means.add("up-4", unit(rng));
    ItemRecord noMeta = bare("v12", "up-4");
    ItemRecord described = item("v13", null, List.of("tag"), "pets", "up-4");
    List<ItemRecord> items = List.of(noMeta, described);
    List<FusionService.MetaInputs> inputs = new ArrayList<>();
    Map<BucketRanges.Key, float[]> fetched = new HashMap<>();
    List<OnlineStep.ItemInput> stepItems = new ArrayList<>();
    for (ItemRecord r : items) {
      FusionService.MetaInputs in = fusion.metaInputs(r.metadata());
      inputs.add(in);
      for (BucketRanges.Key k : in.rows()) fetched.put(k, unit(rng));
      stepItems.add(new OnlineStep.ItemInput(r.itemId(), unit(rng), fusion.tierIndex(r.tier()),
          fusion.meta(r, in, fetched)));
    }
    var examples = List.of(new OnlineStep.Example(0, unit(rng), null, 1f), new OnlineStep.Example(1, unit(rng), null, 1f));
    var g = new OnlineStep(D, 0.1f, new double[] {1.4, 0.2, -0.8}, null)
        .compute(new OnlineStep.Step(stepItems, examples, null));

    assertNotNull(g.meta()[0], "m takes part in the loss");
    assertEquals(0, fusion.featureGradients(inputs.get(0), g.meta()[0]).length, "no row behind the mean");
    assertTrue(model.Vectors.normalizeOrNull(g.hash()[0]) != null, "the hash row learns");
    assertNotEquals(0.0, g.theta()[fusion.tierIndex("cold")], "θ learns");
    float[][] described2 = fusion.featureGradients(inputs.get(1), g.meta()[1]);
    assertEquals(inputs.get(1).rows().size(), described2.length, "an item's own feature rows do learn");
  }

  @Test
  void badInputNamesTheField() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new FusionService(LAYOUT, null, encoder, TextEncoders.create(TextEncoders.HASHED_NGRAMS, 256, null),
            new UploaderMeans(D + 1, 10, 10)));
    assertTrue(e.getMessage().startsWith("uploaderMeans"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new FusionService.MetaInputs(List.of("tag:x"), List.of(), new float[D]));
    assertTrue(e.getMessage().startsWith("uploaderMean"), e.getMessage());
  }
}
