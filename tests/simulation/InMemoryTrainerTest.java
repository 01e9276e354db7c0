package simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import model.HashedNgramEncoder;
import model.MetaEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InMemoryTrainerTest {

  private static final Evaluation.Protocol PROTOCOL =
      new Evaluation.Protocol(150, 200, 5, 20, 3, 11, Evaluation.Relevance.AFFINITY);
  private static SyntheticWorld world;
  private static ItemFeatures features;
  private static Evaluation evaluation;

  @BeforeAll
  static void tinyWorld() throws InterruptedException {
    world = new SyntheticWorld(WorldConfig.tiny(21));
    HashedNgramEncoder text = new HashedNgramEncoder();
    features = ItemFeatures.compute(world, text, new MetaEncoder(MetaEncoder.Config.defaults(text.dim())), 4096, 1,
        null);
    evaluation = Evaluation.prepare(world, PROTOCOL);
  }

  @Test
  void learnerOnATinyWorldLowersTheLossAndRaisesRecall() {
    TrainerConfig config = TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(10);
    // The last 10 % of the stream's positives are held out for the loss; both models consume the rest.
    long trainEvents = world.config().events() * 9 / 10;
    List<SimEvent> heldOut = world.eventStream().skip(trainEvents).filter(e -> e.type().positive()).toList();
    InMemoryTrainer untrained = new InMemoryTrainer(world, features, config);
    untrained.observe(world.eventStream().limit(trainEvents).iterator());
    InMemoryTrainer trainer = new InMemoryTrainer(world, features, config);
    trainer.train(world.eventStream().limit(trainEvents).iterator(), 15, null);

    double lossBefore = untrained.heldOutLoss(heldOut);
    double lossAfter = trainer.heldOutLoss(heldOut);
    assertTrue(lossAfter < lossBefore - 0.3, "held-out loss falls: " + lossBefore + " → " + lossAfter);
    List<Double> windows = trainer.lossLog(); // progressive validation: a batch's loss before its update
    assertTrue(windows.get(windows.size() - 2) < windows.get(0), "training loss falls: " + windows);

    Evaluation.Result before = evaluation.recall(untrained);
    Evaluation.Result after = evaluation.recall(trainer);

    double chance = PROTOCOL.k() / (double) PROTOCOL.poolSize();
    assertTrue(after.warmRecall() > before.warmRecall() + 0.05, "warm recall rises: " + before + " → " + after);
    assertTrue(after.newRecall() > before.newRecall() + 0.05, "new-item recall rises: " + before + " → " + after);
    assertTrue(after.newRecall() > 2 * chance, "new items well above chance: " + after);
    double[] alpha = trainer.alphas();
    assertTrue(alpha[0] != 0.8 && alpha[2] != 0.3, "θ learned");
  }

  @Test
  void sharedDefaultGivesEveryItemWithoutInteractionsOneVector() {
    InMemoryTrainer trainer = new InMemoryTrainer(world, features,
        TrainerConfig.defaults(InMemoryTrainer.Variant.SHARED_DEFAULT).withItemsPerRow(4));
    trainer.train(world.eventStream().limit(12_000).iterator(), 1000, null);
    int[] fresh = evaluation.newPool();
    float[] shared = trainer.itemVector(fresh[0]);
    assertNotNull(shared);
    for (int item : fresh) assertArrayEquals(shared, trainer.itemVector(item));
    int[] warm = evaluation.warmPool();
    assertTrue(!java.util.Arrays.equals(trainer.itemVector(warm[0]), trainer.itemVector(warm[1])));
    assertEquals((long) Math.ceil(world.itemCount() / 4.0), trainer.itemTableRows(), "hot slots + buckets = budget");
    assertEquals(Math.round(world.itemCount() / 4.0 * 0.25), trainer.hotSlots());
  }

  @Test
  void fullRetrainingOverTheWindowLowersTheHeldOutLossBelowOnlineAlone() {
    TrainerConfig config = TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(10);
    long trainEvents = world.config().events() * 9 / 10;
    List<SimEvent> heldOut = world.eventStream().skip(trainEvents).filter(e -> e.type().positive()).toList();
    List<SimEvent> window = world.eventStream().limit(trainEvents).filter(e -> e.type().positive()).toList();
    InMemoryTrainer online = new InMemoryTrainer(world, features, config);
    online.train(world.eventStream().limit(trainEvents).iterator(), 1000, null);
    InMemoryTrainer retrained = new InMemoryTrainer(world, features, config);
    retrained.train(world.eventStream().limit(trainEvents).iterator(), 1000, null);
    assertEquals(online.heldOutLoss(heldOut), retrained.heldOutLoss(heldOut), 1e-9, "the same start");
    double[] alphasBefore = retrained.alphas();
    retrained.retrain(window, 1, 5);
    double onlineLoss = online.heldOutLoss(heldOut);
    double retrainedLoss = retrained.heldOutLoss(heldOut);
    assertTrue(retrainedLoss < onlineLoss, "held-out loss: online " + onlineLoss + ", retrained " + retrainedLoss);
    assertTrue(retrained.alphas()[2] != alphasBefore[2], "θ is retrained too");
  }

  @Test
  void withoutExclusiveHotSlotsEveryRowIsABucketOfTheSameBudget() {
    TrainerConfig fused = TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(4);
    InMemoryTrainer hot = new InMemoryTrainer(world, features, fused);
    InMemoryTrainer hashed = new InMemoryTrainer(world, features, fused.withExclusiveHot(false).withRetierEvery(500));
    assertTrue(hot.hotSlots() > 0);
    assertEquals(0, hashed.hotSlots());
    assertEquals(hot.itemTableRows(), hashed.itemTableRows(), "the same rows, all hashed");
    hashed.train(world.eventStream().limit(12_000).iterator(), 1000, null);
    double[] a = hashed.alphas();
    assertTrue(a[0] != 0.8, "the most exposed items are still tiered hot (their θ learns): " + a[0]);
  }

  @Test
  void variantsSizeTheirTables() {
    TrainerConfig fused = TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(100);
    assertEquals(20, new InMemoryTrainer(world, features, fused).itemTableRows());
    InMemoryTrainer full =
        new InMemoryTrainer(world, features, fused.withVariant(InMemoryTrainer.Variant.FULL_TABLE));
    assertEquals(world.itemCount(), full.itemTableRows());
    assertEquals(0, new InMemoryTrainer(world, features,
        fused.withVariant(InMemoryTrainer.Variant.METADATA_ONLY)).itemTableRows());
  }

  @Test
  void sameSeedSameModel() {
    TrainerConfig config = TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(10);
    InMemoryTrainer a = new InMemoryTrainer(world, features, config);
    InMemoryTrainer b = new InMemoryTrainer(world, features, config);
    a.train(world.eventStream().limit(8_000).iterator(), 1000, null);
    b.train(world.eventStream().limit(8_000).iterator(), 1000, null);
    for (int user : new int[] {0, 7, 123}) assertArrayEquals(a.userVector(user), b.userVector(user));
    for (int item : evaluation.newPool()) assertArrayEquals(a.itemVector(item), b.itemVector(item));
    assertArrayEquals(a.alphas(), b.alphas());
  }

  @Test
  void badConfigNamesTheParameter() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withItemsPerRow(0.5));
    assertTrue(e.getMessage().contains("itemsPerRow"));
    e = assertThrows(IllegalArgumentException.class,
        () -> TrainerConfig.defaults(InMemoryTrainer.Variant.FUSED).withTau(0));
    assertTrue(e.getMessage().contains("tau"));
    TrainerConfig wrongDim = new TrainerConfig(InMemoryTrainer.Variant.FUSED, 16, 0.1f, 128, 0, true, 10, 0.25, 10,
        0.05f, 0.05f, 0.05f, 0.02, 0.1f, 20, java.time.Duration.ofHours(1), 1000, 1, true);
    e = assertThrows(IllegalArgumentException.class, () -> new InMemoryTrainer(world, features, wrongDim));
    assertTrue(e.getMessage().contains("dim"));
  }
}
