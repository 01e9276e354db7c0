package simulation;

import embedding.RowInit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A seeded world of users, uploaders and items with a known truth, for the learner's tests and the quality
 * bench.
 *
 * <ul>
 *   <li>K latent topics. An item has a topic mixture: one main topic (weight 0.55–0.9, its category) and two
 *       secondary ones; its main topic follows its uploader's topic affinity. Titles and tags are drawn from
 *       per-topic Chinese and English vocabularies ({@link Vocabulary}) in proportion to the mixture, plus
 *       generic filler words; a few items have no metadata at all.
 *   <li>A user has Dirichlet topic preferences p_u and, like every item, a small latent taste vector z that no
 *       metadata reveals. True score: {@code (p_u · q_i) · exp(γ · z_u · z_i)}; click probability
 *       {@code 1 − exp(−clickScale · trueScore)}.
 *   <li>Items have Zipf popularity and arrive all the time (index order = creation order).
 *   <li>The stream: a user (Zipf activity) sees an impression of an item chosen by popularity, within a topic
 *       drawn from the user's preferences ({@code personalizedShare}) or from the whole catalogue; then clicks
 *       with the click probability, and after a click may finish, like and share.
 * </ul>
 *
 * <p>All state is a function of the seed: two worlds with the same config are equal and their streams
 * identical. The stream is generated lazily (memory is O(items + users), never O(events)).
 */
public final class SyntheticWorld {

  /** Item metadata as registered through the API. {@code title} and {@code category} may be null. */
  public record Item(int index, String itemId, String title, List<String> tags, String category, String uploaderId,
      long createdAtMillis, String language) {}

  private static final int R = WorldConfig.LATENT_DIM;
  private static final long INITIAL_ITEM_SPACING_MILLIS = 1_000;
  private static final long FUTURE_ITEM_SPACING_MILLIS = 1_000;

  private final WorldConfig config;
  private final Vocabulary vocabulary = Vocabulary.standard();
  private final int topics;

  // Uploaders.
  private final float[] uploaderTopicCdf; // uploaders × K
  private final boolean[] uploaderZh;

  // Items: a main topic and two secondary topics with weights (sum 1).
  private final int[] itemUploader;
  private final byte[] mainTopic;
  private final byte[] secondTopic;
  private final byte[] thirdTopic;
  private final float[] mainWeight;
  private final float[] secondWeight;
  private final float[] popularity;
  private final float[] itemTaste; // items × R
  private final boolean[] itemZh;
  private final boolean[] missingMetadata;

  // Users.
  private final float[] userPrefs; // users × K
  private final float[] userPrefCdf; // users × K
  private final float[] userTaste; // users × R
  private final double[] userActivityCdf;

  public SyntheticWorld(WorldConfig config) {
    this.config = config;
    this.topics = config.topics();
    SplittableRandom rnd = new SplittableRandom(config.seed());
    int k = topics;

    int uploaders = config.uploaders();
    uploaderTopicCdf = new float[uploaders * k];
    uploaderZh = new boolean[uploaders];
    double[] scratch = new double[k];
    for (int p = 0; p < uploaders; p++) {
      RandomDraws.dirichlet(rnd, 0.5, scratch);
      int main = rnd.nextInt(k);
      for (int t = 0; t < k; t++) scratch[t] = 0.3 * scratch[t] + (t == main ? 0.7 : 0);
      RandomDraws.cdf(scratch, uploaderTopicCdf, p * k);
      uploaderZh[p] = rnd.nextDouble() < 0.7;
    }

    int n = config.items();
    itemUploader = new int[n];
    mainTopic = new byte[n];
    secondTopic = new byte[n];
    thirdTopic = new byte[n];
    mainWeight = new float[n];
    secondWeight = new float[n];
    popularity = new float[n];
    itemTaste = new float[n * R];
    itemZh = new boolean[n];
    missingMetadata = new boolean[n];
    for (int i = 0; i < n; i++) {
      int p = rnd.nextInt(uploaders);
      itemUploader[i] = p;
      mainTopic[i] = (byte) RandomDraws.pick(uploaderTopicCdf, p * k, k, rnd.nextDouble());
      secondTopic[i] = (byte) rnd.nextInt(k);
      thirdTopic[i] = (byte) rnd.nextInt(k);
      float main = (float) (0.55 + 0.35 * rnd.nextDouble());
      mainWeight[i] = main;
      secondWeight[i] = (float) ((1 - main) * rnd.nextDouble());
      // A random rank in [1, n]: Zipf popularity without materialising a permutation.
      popularity[i] = (float) Math.pow(1 + rnd.nextDouble() * n, -config.zipfExponent());
      RandomDraws.gaussians(rnd, itemTaste, i * R, R, 1 / Math.sqrt(R));
      itemZh[i] = uploaderZh[p] ^ (rnd.nextDouble() < 0.1);
      missingMetadata[i] = rnd.nextDouble() < config.missingMetadataShare();
    }

    int users = config.users();
    userPrefs = new float[users * k];
    userPrefCdf = new float[users * k];
    userTaste = new float[users * R];
    userActivityCdf = new double[users];
    double activity = 0;
    for (int u = 0; u < users; u++) {
      RandomDraws.dirichlet(rnd, config.userTopicConcentration(), scratch);
      for (int t = 0; t < k; t++) userPrefs[u * k + t] = (float) scratch[t];
      RandomDraws.cdf(scratch, userPrefCdf, u * k);
      RandomDraws.gaussians(rnd, userTaste, u * R, R, 1 / Math.sqrt(R));
      activity += Math.pow(u + 1, -config.userActivityExponent());
      userActivityCdf[u] = activity;
    }
  }

  public WorldConfig config() {
    return config;
  }

  public int topicCount() {
    return topics;
  }

  public int itemCount() {
    return config.items();
  }

  public int userCount() {
    return config.users();
  }

  public String itemId(int item) {
    checkItem(item);
    return "item-" + item;
  }

  public String userId(int user) {
    checkUser(user);
    return "user-" + user;
  }

  public String uploaderId(int uploader) {
    return "up-" + uploader;
  }

  /** The category name of a topic (its main vocabulary block). */
  public String category(int topic) {
    return vocabulary.topic(topic).category();
  }

  public long createdAt(int item) {
    checkItem(item);
    int initial = config.initialItems();
    int stream = config.streamItems();
    if (item < initial) return config.startMillis() - (long) (initial - item) * INITIAL_ITEM_SPACING_MILLIS;
    if (item < initial + stream) {
      long duration = config.endMillis() - config.startMillis();
      return config.startMillis() + (long) ((item - initial + 1) * (double) duration / (stream + 1));
    }
    return config.endMillis() + (long) (item - initial - stream + 1) * FUTURE_ITEM_SPACING_MILLIS;
  }

  /** Whether the item arrives after the stream ends, so no record of the stream can mention it. */
  public boolean isFuture(int item) {
    checkItem(item);
    return item >= config.itemsBeforeEnd();
  }

  public int mainTopic(int item) {
    checkItem(item);
    return mainTopic[item];
  }

  /** The item's true topic mixture q_i (sums to 1). */
  public float[] topicMixture(int item) {
    checkItem(item);
    float[] q = new float[topics];
    q[mainTopic[item]] += mainWeight[item];
    q[secondTopic[item]] += secondWeight[item];
    q[thirdTopic[item]] += 1 - mainWeight[item] - secondWeight[item];
    return q;
  }

  /** The user's true topic preferences p_u (sums to 1). */
  public float[] preferences(int user) {
    checkUser(user);
    float[] p = new float[topics];
    System.arraycopy(userPrefs, user * topics, p, 0, topics);
    return p;
  }

  public double preference(int user, int topic) {
    checkUser(user);
    if (topic < 0 || topic >= topics) throw new IllegalArgumentException("topic outside [0, " + topics + "): " + topic);
    return userPrefs[user * topics + topic];
  }

  /** A topic drawn from the user's preferences; {@code u} uniform in [0, 1). */
  public int sampleTopic(int user, double u) {
    checkUser(user);
    return RandomDraws.pick(userPrefCdf, user * topics, topics, u);
  }

  public double popularity(int item) {
    checkItem(item);
    return popularity[item];
  }

  /** {@code (p_u · q_i) · exp(γ · z_u · z_i)}: how much the user truly likes the item. */
  public double trueScore(int user, int item) {
    checkUser(user);
    checkItem(item);
    int base = user * topics;
    double affinity = userPrefs[base + mainTopic[item]] * mainWeight[item]
        + userPrefs[base + secondTopic[item]] * secondWeight[item]
        + userPrefs[base + thirdTopic[item]] * (1 - mainWeight[item] - secondWeight[item]);
    double taste = 0;
    for (int r = 0; r < R; r++) taste += userTaste[user * R + r] * itemTaste[item * R + r];
    return affinity * Math.exp(config.idiosyncrasy() * taste);
  }

  /** Probability that the user clicks the item once shown. */
  public double clickProbability(int user, int item) {
    return 1 - Math.exp(-config.clickScale() * trueScore(user, item));
  }

  /** The item as registered (metadata drawn from its own seeded generator, so any order gives the same). */
  public Item item(int index) {
    checkItem(index);
    String id = itemId(index);
    String uploader = uploaderId(itemUploader[index]);
    long created = createdAt(index);
    String language = itemZh[index] ? "zh" : "en";
    if (missingMetadata[index]) return new Item(index, id, null, List.of(), null, uploader, created, language);
    SplittableRandom rnd = new SplittableRandom(RowInit.mix(config.seed() ^ 0x7177_1e5L, index));
    return new Item(index, id, title(index, rnd), tags(index, rnd), category(mainTopic[index]), uploader, created,
        language);
  }

  /** The stream of {@code config.events()} records, generated lazily; each call starts from the beginning. */
  public Iterator<SimEvent> events() {
    return new EventIterator();
  }

  public Stream<SimEvent> eventStream() {
    return StreamSupport.stream(Spliterators.spliterator(events(), config.events(),
        Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.SIZED), false);
  }

  private String title(int item, SplittableRandom rnd) {
    boolean zh = itemZh[item];
    int words = zh ? 2 + rnd.nextInt(3) : 3 + rnd.nextInt(3);
    List<String> parts = new ArrayList<>();
    for (int w = 0; w < words; w++) {
      Vocabulary.Topic t = vocabulary.topic(mixtureTopic(item, rnd.nextDouble()));
      List<String> list = zh ? t.zh() : t.en();
      parts.add(list.get(rnd.nextInt(list.size())));
    }
    if (rnd.nextBoolean()) {
      List<String> generic = zh ? vocabulary.genericZh() : vocabulary.genericEn();
      if (!generic.isEmpty()) parts.add(rnd.nextInt(parts.size() + 1), generic.get(rnd.nextInt(generic.size())));
    }
    if (zh) return String.join("", parts);
    String joined = String.join(" ", parts).replace('-', ' ');
    return Character.toUpperCase(joined.charAt(0)) + joined.substring(1);
  }

  private List<String> tags(int item, SplittableRandom rnd) {
    int count = 1 + rnd.nextInt(3);
    Set<String> tags = new LinkedHashSet<>();
    for (int i = 0; i < count; i++) {
      Vocabulary.Topic t = vocabulary.topic(mixtureTopic(item, rnd.nextDouble()));
      boolean zh = itemZh[item] ^ (rnd.nextDouble() < 0.2);
      List<String> list = zh ? t.tagsZh() : t.tagsEn();
      tags.add(list.get(rnd.nextInt(list.size())));
    }
    return List.copyOf(tags);
  }

  /** A topic drawn from the item's mixture. */
  private int mixtureTopic(int item, double u) {
    if (u < mainWeight[item]) return mainTopic[item];
    if (u < mainWeight[item] + secondWeight[item]) return secondTopic[item];
    return thirdTopic[item];
  }

  private int sampleUser(double u) {
    double target = u * userActivityCdf[userActivityCdf.length - 1];
    int lo = 0;
    int hi = userActivityCdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (userActivityCdf[mid] > target) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  private void checkItem(int item) {
    if (item < 0 || item >= config.items()) {
      throw new IllegalArgumentException("item outside [0, " + config.items() + "): " + item);
    }
  }

  private void checkUser(int user) {
    if (user < 0 || user >= config.users()) {
      throw new IllegalArgumentException("user outside [0, " + config.users() + "): " + user);
    }
  }

  /**
   * Generates the stream: items join the popularity samplers when their creation time has come, one
   * impression is drawn at a time and its follow-up records (click, finish, like, share) are queued.
   */
  private final class EventIterator implements Iterator<SimEvent> {
    private final SplittableRandom rnd = new SplittableRandom(RowInit.mix(config.seed(), 0x5eed_57ea));
    private final GrowingSampler global = new GrowingSampler(config.itemsBeforeEnd());
    private final GrowingSampler[] byTopic = new GrowingSampler[topics];
    private final int[][] topicItems = new int[topics][];
    private final ArrayDeque<SimEvent.Type> pending = new ArrayDeque<>();
    private int pendingUser;
    private int pendingItem;
    private int nextItem;
    private long emitted;

    EventIterator() {
      int[] counts = new int[topics];
      for (int i = 0; i < config.itemsBeforeEnd(); i++) counts[mainTopic[i]]++;
      for (int t = 0; t < topics; t++) {
        byTopic[t] = new GrowingSampler(counts[t]);
        topicItems[t] = new int[counts[t]];
      }
    }

    @Override
    public boolean hasNext() {
      return emitted < config.events();
    }

    @Override
    public SimEvent next() {
      if (!hasNext()) throw new NoSuchElementException();
      long ts = config.startMillis() + emitted * config.eventIntervalMillis();
      if (pending.isEmpty()) impression(ts);
      emitted++;
      return new SimEvent(pendingUser, pendingItem, pending.poll(), ts);
    }

    private void impression(long ts) {
      while (nextItem < config.itemsBeforeEnd() && createdAt(nextItem) <= ts) {
        int t = mainTopic[nextItem];
        topicItems[t][byTopic[t].size()] = nextItem;
        byTopic[t].add(popularity[nextItem]);
        global.add(popularity[nextItem]);
        nextItem++;
      }
      int user = sampleUser(rnd.nextDouble());
      int item = -1;
      if (rnd.nextDouble() < config.personalizedShare()) {
        int t = sampleTopic(user, rnd.nextDouble());
        int pos = byTopic[t].sample(rnd.nextDouble());
        if (pos >= 0) item = topicItems[t][pos];
      }
      if (item < 0) item = global.sample(rnd.nextDouble());
      pendingUser = user;
      pendingItem = item;
      pending.add(SimEvent.Type.IMPRESSION);
      double click = clickProbability(user, item);
      if (rnd.nextDouble() < click) {
        pending.add(SimEvent.Type.CLICK);
        if (rnd.nextDouble() < 0.3 + 0.5 * click) pending.add(SimEvent.Type.FINISH);
        if (rnd.nextDouble() < 0.4 * click) pending.add(SimEvent.Type.LIKE);
        if (rnd.nextDouble() < 0.1 * click) pending.add(SimEvent.Type.SHARE);
      }
    }
  }
}
