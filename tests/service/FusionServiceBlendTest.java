package service;

import static org.junit.jupiter.api.Assertions.*;

import app.Settings;
import com.typesafe.config.ConfigFactory;
import embedding.StoreLayout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import model.Fusion;
import model.MetaEncoder;
import model.MoveBlend;
import model.TextEncoders;
import model.UploaderMeans;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;

/** The served vector of a moving item, made where every served vector is made ({@link FusionService}). No Akka. */
class FusionServiceBlendTest {

  private static final StoreLayout LAYOUT =
      Settings.store(ConfigFactory.load().getConfig("thermocline.store")).layout();
  private static final int D = LAYOUT.dim();
  private static final Duration WINDOW = Duration.ofHours(24);
  private static final Instant MOVED = Instant.parse("2026-11-23T10:00:00Z");

  private final FusionService fusion = new FusionService(LAYOUT, null,
      new MetaEncoder(new MetaEncoder.Config(256, 16, D, 64, 5)), TextEncoders.create(TextEncoders.HASHED_NGRAMS, 256, null),
      new UploaderMeans(D, 100, 10), new MoveBlend(0.8, WINDOW), Clock.systemUTC());

  private final SplittableRandom rng = new SplittableRandom(11);
  private final float[] h = random();
  private final float[] m = random();
  private final float[] old = model.Vectors.normalizeOrNull(random());
  private final double theta = Fusion.thetaFor(0.8);

  private float[] random() {
    float[] v = new float[D];
    for (int i = 0; i < D; i++) v[i] = (float) rng.nextGaussian();
    return v;
  }

  private static ItemRecord moved(float[] anchor, Instant movedAt) {
    var meta = new ItemRecord.ItemMetadata("t", null, null, null, null, null);
    return new ItemRecord("v1", meta, "hot", -1, 3, true, Instant.EPOCH, Instant.EPOCH, null, anchor, movedAt, null,
        "m-1");
  }

  @Test
  void whenAMoveStartsTheItemIsServedPointEightOldPlusPointTwoNew() {
    float[] fresh = Fusion.forward(h, m, theta).vector();
    FusionService.Served s = fusion.served(moved(old, MOVED), h, m, theta, MOVED.toEpochMilli());
    assertEquals(0.8, s.anchorWeight(), 0);
    assertArrayEquals(fresh, s.fused(), 0f);
    for (int i = 0; i < D; i++) assertEquals(0.8 * old[i] + 0.2 * fresh[i], s.vector()[i], 1e-6, "element " + i);
  }

  @Test
  void halfwayThroughTheWindowTheOldVectorWeighsPointFour() {
    float[] fresh = Fusion.forward(h, m, theta).vector();
    FusionService.Served s = fusion.served(moved(old, MOVED), h, m, theta, MOVED.plus(WINDOW.dividedBy(2)).toEpochMilli());
    assertEquals(0.4, s.anchorWeight(), 1e-12);
    for (int i = 0; i < D; i++) assertEquals(0.4 * old[i] + 0.6 * fresh[i], s.vector()[i], 1e-6);
  }

  @Test
  void afterTheWindowTheItemIsServedItsNewVector() {
    float[] fresh = Fusion.forward(h, m, theta).vector();
    FusionService.Served s = fusion.served(moved(old, MOVED), h, m, theta, MOVED.plus(WINDOW).toEpochMilli());
    assertEquals(0, s.anchorWeight(), 0);
    assertArrayEquals(fresh, s.vector(), 0f);
  }

  @Test
  void anItemThatNeverMovedIsServedItsFusedVector() {
    FusionService.Served s = fusion.served(moved(null, null), h, m, theta, MOVED.toEpochMilli());
    assertEquals(0, s.anchorWeight(), 0);
    assertArrayEquals(Fusion.forward(h, m, theta).vector(), s.vector(), 0f);
  }
}
