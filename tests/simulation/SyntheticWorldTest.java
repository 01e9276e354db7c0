package simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticWorldTest {

  private static final WorldConfig TINY = WorldConfig.tiny(42);

  @Test
  void sameSeedSameWorldAndStream() {
    SyntheticWorld a = new SyntheticWorld(TINY);
    SyntheticWorld b = new SyntheticWorld(TINY);
    List<SimEvent> first = a.eventStream().limit(5_000).toList();
    assertEquals(first, b.eventStream().limit(5_000).toList());
    assertEquals(first, a.eventStream().limit(5_000).toList(), "each call restarts the stream");
    for (int i = 0; i < a.itemCount(); i += 97) assertEquals(a.item(i), b.item(i));

    SyntheticWorld other = new SyntheticWorld(TINY.withSeed(43));
    assertNotEquals(first, other.eventStream().limit(5_000).toList());
  }

  @Test
  void streamRespectsTimeAndNeverMentionsFutureItems() {
    SyntheticWorld world = new SyntheticWorld(TINY);
    long count = 0;
    long lastTs = Long.MIN_VALUE;
    int newestItem = -1;
    Iterator<SimEvent> it = world.events();
    while (it.hasNext()) {
      SimEvent e = it.next();
      count++;
      assertTrue(e.tsMillis() >= lastTs, "timestamps never go back");
      lastTs = e.tsMillis();
      assertTrue(world.createdAt(e.item()) <= e.tsMillis(), "item " + e.item() + " shown before it exists");
      assertFalse(world.isFuture(e.item()));
      newestItem = Math.max(newestItem, e.item());
    }
    assertEquals(TINY.events(), count);
    assertTrue(lastTs < TINY.endMillis());
    assertTrue(newestItem > TINY.initialItems() + TINY.streamItems() * 9 / 10,
        "items that arrive late in the stream are shown too, newest was " + newestItem);
    for (int i = 1; i < world.itemCount(); i++) assertTrue(world.createdAt(i) > world.createdAt(i - 1));
  }

  @Test
  void clicksFollowTheTrueClickProbability() {
    SyntheticWorld world = new SyntheticWorld(TINY);
    double expected = 0;
    double variance = 0;
    long clicks = 0;
    double[] ctrByBin = new double[2];
    long[] impressionsByBin = new long[2];
    SimEvent lastImpression = null;
    Iterator<SimEvent> it = world.events();
    while (it.hasNext()) {
      SimEvent e = it.next();
      if (e.type() == SimEvent.Type.IMPRESSION) {
        double p = world.clickProbability(e.user(), e.item());
        expected += p;
        variance += p * (1 - p);
        impressionsByBin[p > 0.3 ? 1 : 0]++;
        lastImpression = e;
      } else if (e.type() == SimEvent.Type.CLICK) {
        assertEquals(lastImpression.user(), e.user());
        assertEquals(lastImpression.item(), e.item());
        clicks++;
        ctrByBin[world.clickProbability(e.user(), e.item()) > 0.3 ? 1 : 0]++;
      }
    }
    assertEquals(expected, clicks, 4 * Math.sqrt(variance), "clicks are Bernoulli(clickProbability)");
    double lowCtr = ctrByBin[0] / impressionsByBin[0];
    double highCtr = ctrByBin[1] / impressionsByBin[1];
    assertTrue(highCtr > 2 * lowCtr, "affine impressions click more: " + highCtr + " vs " + lowCtr);
  }

  @Test
  void impressionsFollowPreferencesAndPopularity() {
    SyntheticWorld world = new SyntheticWorld(TINY);
    int topics = world.topicCount();
    long onFavourite = 0;
    long impressions = 0;
    double favouriteMass = 0;
    long[] perItem = new long[world.itemCount()];
    Iterator<SimEvent> it = world.events();
    while (it.hasNext()) {
      SimEvent e = it.next();
      if (e.type() != SimEvent.Type.IMPRESSION) continue;
      impressions++;
      perItem[e.item()]++;
      float[] p = world.preferences(e.user());
      int favourite = 0;
      for (int t = 1; t < topics; t++) if (p[t] > p[favourite]) favourite = t;
      if (world.mainTopic(e.item()) == favourite) onFavourite++;
      favouriteMass += p[favourite];
    }
    // Personalised impressions (70 %) pick the favourite topic with probability p[favourite].
    double expectedAtLeast = 0.7 * favouriteMass / impressions;
    assertTrue(onFavourite / (double) impressions > expectedAtLeast * 0.9,
        "favourite-topic share " + onFavourite / (double) impressions + " below " + expectedAtLeast);

    // Zipf: the most popular 2 % of items get far more than 2 % of impressions.
    Integer[] byPopularity = new Integer[world.config().itemsBeforeEnd()];
    for (int i = 0; i < byPopularity.length; i++) byPopularity[i] = i;
    Arrays.sort(byPopularity, (a, b) -> Double.compare(world.popularity(b), world.popularity(a)));
    long top = 0;
    for (int r = 0; r < byPopularity.length / 50; r++) top += perItem[byPopularity[r]];
    assertTrue(top > 0.25 * impressions, "top 2 % of items drew " + top + " of " + impressions);
  }

  @Test
  void itemsCarryTopicalBilingualMetadata() {
    SyntheticWorld world = new SyntheticWorld(TINY);
    Vocabulary vocabulary = Vocabulary.standard();
    int missing = 0;
    int zh = 0;
    int titleWordsFromMainTopic = 0;
    int withTitle = 0;
    for (int i = 0; i < world.itemCount(); i++) {
      SyntheticWorld.Item item = world.item(i);
      assertEquals(world.itemId(i), item.itemId());
      assertEquals(world.createdAt(i), item.createdAtMillis());
      assertTrue(item.uploaderId().startsWith("up-"));
      if (item.title() == null) {
        missing++;
        assertTrue(item.tags().isEmpty());
        assertEquals(null, item.category());
        continue;
      }
      withTitle++;
      assertEquals(world.category(world.mainTopic(i)), item.category(), "category = main topic");
      assertTrue(!item.tags().isEmpty() && item.tags().size() <= 3);
      boolean cjk = item.title().codePoints()
          .anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN);
      assertEquals(item.language().equals("zh"), cjk, item.title());
      if (cjk) zh++;
      Vocabulary.Topic main = vocabulary.topic(world.mainTopic(i));
      String lower = item.title().toLowerCase();
      List<String> words = cjk ? main.zh() : main.en();
      if (words.stream().anyMatch(w -> lower.contains(w.replace('-', ' ')))) titleWordsFromMainTopic++;
    }
    int n = world.itemCount();
    assertEquals(TINY.missingMetadataShare(), missing / (double) n, 0.015);
    assertTrue(zh > withTitle / 2 && zh < withTitle * 0.9, "mostly but not only Chinese: " + zh + "/" + withTitle);
    assertTrue(titleWordsFromMainTopic > withTitle * 0.8, "titles speak of their main topic");
  }

  @Test
  void truthIsAMixtureDotPreferences() {
    SyntheticWorld world = new SyntheticWorld(TINY.withIdiosyncrasy(0));
    for (int u = 0; u < 20; u++) {
      for (int i = 0; i < world.itemCount(); i += 211) {
        float[] p = world.preferences(u);
        float[] q = world.topicMixture(i);
        double dot = 0;
        for (int t = 0; t < p.length; t++) dot += p[t] * q[t];
        assertEquals(dot, world.trueScore(u, i), 1e-6);
        assertEquals(1 - Math.exp(-TINY.clickScale() * dot), world.clickProbability(u, i), 1e-6);
      }
    }
    assertEquals(1.0, sum(world.preferences(3)), 1e-5);
    assertEquals(1.0, sum(world.topicMixture(5)), 1e-5);
  }

  @Test
  void badInputNamesTheParameter() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TINY.withTopics(0));
    assertTrue(e.getMessage().contains("topics"));
    e = assertThrows(IllegalArgumentException.class, () -> TINY.withEvents(-1));
    assertTrue(e.getMessage().contains("events"));
    SyntheticWorld world = new SyntheticWorld(TINY);
    e = assertThrows(IllegalArgumentException.class, () -> world.item(world.itemCount()));
    assertTrue(e.getMessage().contains("item"));
    e = assertThrows(IllegalArgumentException.class, () -> world.trueScore(-1, 0));
    assertTrue(e.getMessage().contains("user"));
  }

  private static double sum(float[] v) {
    double s = 0;
    for (float x : v) s += x;
    return s;
  }
}
