package service;

import actors.BucketRanges;
import embedding.ItemHasher;
import embedding.StoreLayout;
import embedding.TierSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import model.Fusion;
import model.MetaEncoder;
import model.MoveBlend;
import java.time.Clock;
import model.TextEncoder;
import model.UploaderMeanSource;
import storage.ItemRecord;

/**
 * The served vector of items ({@code f = normalise(a·h + (1−a)·m)}, docs/design.md §1): hash rows from their
 * tier, metadata vectors from the item's cached text head plus its feature rows (tags, category, uploader) and
 * the fusion logit of each tier. One node-local instance serves registration, reads, shard rebuilds and the
 * learner's re-upserts; it reads every row it needs in one ask per bucket range.
 *
 * <p><b>Items without metadata</b> (no title, tags, category or image vector): m is the running mean of the served
 * vectors of their uploader's items ({@link UploaderMeanSource}) when one is known, else the learned default
 * row. The learner builds m through {@link #metaInputs} too, so learning and serving use the same m; the mean is a
 * constant to learning (no row behind it gets a gradient; the item's hash row and θ still learn).
 *
 * <p>The means are fed by {@link #serveToIndex} (registration, shard rebuilds, re-indexing after learning: the
 * vectors that go into the index), with the vectors of items that have an uploader and metadata of their own. Items
 * whose m came from the mean or the default are left out: at cold start their f is mostly that very mean (or a
 * snapshot of the default row, which keeps learning), so folding it back would count the mean into itself. An item
 * counts once per time it is indexed, so items re-indexed often (the ones being learned) weigh more. In a node the
 * means are shared by the cluster and kept in Cassandra ({@link SharedUploaderMeans}): {@link #prepare} loads a
 * batch's before {@link #metaInputs} reads them ({@link #serve} does it; the learner calls it).
 *
 * <p><b>Items that moved between tiers</b> are served {@code w·anchor + (1 − w)·f} ({@link MoveBlend}): the anchor is
 * their served vector before the move, w falls from 0.8 to 0 over the blend window. It is part of {@link #serve}, so
 * every path that serves or indexes an item blends the same way; the refresh sweep carries the falling weight into
 * the index. m is computed the same in every tier, so it stays the item's anchor across tiers. The learner trains f
 * itself (its own forward pass), not the blend.
 */
public final class FusionService {

  /** User-ID rows, starting at 0 ({@link model.UserSide}); the older table "users" started random. */
  public static final String USERS = "userids";
  public static final String FEATURES = "features";
  public static final String PARAMS = "params";

  /**
   * An item's vectors: hash row, metadata vector, served vector and the weight of the hash row; {@code fused} is
   * {@code normalise(a·h + (1−a)·m)} and {@code anchorWeight} the weight of the item's pre-move vector in
   * {@code vector} (0 unless it is moving between tiers, and then {@code vector} = the blend).
   */
  public record Served(float[] hash, float[] meta, float[] vector, double alpha, float[] fused, double anchorWeight) {
    /** An item that is not moving: it is served its fused vector. */
    public Served(float[] hash, float[] meta, float[] vector, double alpha) {
      this(hash, meta, vector, alpha, vector, 0);
    }
  }

  /**
   * Where an item's meta comes from: its feature keys and the rows they live in (features table), or, for an item
   * without metadata whose uploader has a remembered mean, that mean ({@code uploaderMean}, keys and rows empty): a
   * constant, no row of it learns.
   */
  public record MetaInputs(List<String> keys, List<BucketRanges.Key> rows, float[] uploaderMean) {
    public MetaInputs {
      if (uploaderMean != null && !keys.isEmpty()) {
        throw new IllegalArgumentException("uploaderMean replaces the feature rows: keys must be empty");
      }
    }
  }

  private final StoreLayout layout;
  private final BucketRanges rows;
  private final MetaEncoder encoder;
  private final TextEncoder text;
  private final List<TierSpec> itemTiers;
  private final ItemHasher featureHasher;
  private final ItemHasher userHasher;
  private final UploaderMeanSource uploaderMeans;
  private final MoveBlend blend;
  private final Clock clock;

  /** @param uploaderMeans the means of each uploader's item vectors (dim = the store's) */
  public FusionService(StoreLayout layout, BucketRanges rows, MetaEncoder encoder, TextEncoder text,
      UploaderMeanSource uploaderMeans) {
    this(layout, rows, encoder, text, uploaderMeans, MoveBlend.DEFAULT, Clock.systemUTC());
  }

  /** @param blend how a moved item is blended from its old vector to its new one, by {@code clock}'s time */
  public FusionService(StoreLayout layout, BucketRanges rows, MetaEncoder encoder, TextEncoder text,
      UploaderMeanSource uploaderMeans, MoveBlend blend, Clock clock) {
    this.layout = layout;
    this.rows = rows;
    this.encoder = encoder;
    this.text = text;
    this.itemTiers = layout.itemTiers();
    this.featureHasher = new ItemHasher(layout.tier(FEATURES).seed());
    this.userHasher = new ItemHasher(layout.tier(USERS).seed());
    if (itemTiers.size() > layout.dim()) throw new IllegalArgumentException("more item tiers than row elements");
    if (encoder.dim() != layout.dim()) throw new IllegalArgumentException("meta encoder dim != store dim");
    if (uploaderMeans == null || uploaderMeans.dim() != layout.dim()) {
      throw new IllegalArgumentException("uploaderMeans must have the store's dim " + layout.dim());
    }
    this.uploaderMeans = uploaderMeans;
    this.blend = java.util.Objects.requireNonNull(blend, "blend");
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
  }

  /** The same service over model version {@code version}'s rows (a shadow being trained, a learner's version). */
  public FusionService atVersion(long version) {
    return new FusionService(layout, rows.atVersion(version), encoder, text, uploaderMeans, blend, clock);
  }

  /** The model version this service reads now. */
  public long version() {
    return rows.version();
  }

  public MoveBlend blend() {
    return blend;
  }

  public MetaEncoder encoder() {
    return encoder;
  }

  public StoreLayout layout() {
    return layout;
  }

  /** The text part of m for a title (encoded once, at registration); null without a title. */
  public float[] textHead(String title) {
    if (title == null || title.isBlank()) return null;
    float[] v = text.encode(title);
    return v == null ? null : encoder.head(v);
  }

  /**
   * Feature keys of an item. Without metadata of its own: its uploader's remembered mean, else the learned default
   * (also for an item without uploader).
   */
  public MetaInputs metaInputs(ItemRecord.ItemMetadata m) {
    List<String> keys;
    if (hasOwnMetadata(m)) {
      keys = encoder.featureKeys(m.tags(), m.category(), m.uploaderId());
    } else {
      float[] mean = uploaderMeans.mean(m.uploaderId());
      if (mean != null) return new MetaInputs(List.of(), List.of(), mean);
      keys = encoder.defaultKeys();
    }
    List<BucketRanges.Key> keyRows = new ArrayList<>(keys.size());
    for (String k : keys) keyRows.add(featureRow(k));
    return new MetaInputs(keys, keyRows, null);
  }

  private boolean hasOwnMetadata(ItemRecord.ItemMetadata m) {
    return encoder.hasMetadata(m.title(), m.tags(), m.category(), m.imageVector());
  }

  public BucketRanges.Key featureRow(String key) {
    return new BucketRanges.Key(FEATURES, featureHasher.bucket(key, layout.tier(FEATURES).capacity()));
  }

  public BucketRanges.Key userRow(String userId) {
    return new BucketRanges.Key(USERS, userHasher.bucket(userId, layout.tier(USERS).capacity()));
  }

  /** θ offsets live in row 0 of the params table, one element per item tier. */
  public static BucketRanges.Key thetaRow() {
    return new BucketRanges.Key(PARAMS, 0);
  }

  public int tierIndex(String tier) {
    for (int t = 0; t < itemTiers.size(); t++) if (itemTiers.get(t).name().equals(tier)) return t;
    throw new IllegalArgumentException("not an item tier: " + tier);
  }

  /** θ_t = logit(initial alpha of t) + the learned offset. */
  public double[] theta(float[] offsets) {
    double[] theta = new double[itemTiers.size()];
    for (int t = 0; t < theta.length; t++) theta[t] = Fusion.thetaFor(itemTiers.get(t).initialAlpha()) + offsets[t];
    return theta;
  }

  public BucketRanges.Key hashRow(ItemRecord item) {
    return new BucketRanges.Key(item.tier(), item.row());
  }

  /**
   * dL/d(feature row) of each of {@code inputs.rows()}, given dL/dm. An uploader's mean is a constant to learning:
   * no rows, so no gradients (the item's hash row and θ learn through fusion as for any item).
   */
  public float[][] featureGradients(MetaInputs inputs, float[] dMeta) {
    if (inputs.uploaderMean() != null) return new float[0][];
    return encoder.featureGradients(dMeta, inputs.keys());
  }

  /** m from already-fetched rows (a copy of the uploader's mean for an item that takes it). */
  public float[] meta(ItemRecord item, MetaInputs inputs, Map<BucketRanges.Key, float[]> fetched) {
    if (inputs.uploaderMean() != null) return inputs.uploaderMean().clone();
    float[][] featureRows = new float[inputs.rows().size()][];
    for (int k = 0; k < featureRows.length; k++) featureRows[k] = fetched.get(inputs.rows().get(k));
    return encoder.forwardFromHead(item.textHead(), inputs.keys(), featureRows, item.metadata().imageVector());
  }

  /**
   * As {@link #serve}, for vectors that go into the index (registration, shard rebuilds, re-indexing after
   * learning): they also feed the uploader means ({@link #remember}). Reads of single items use {@link #serve}, so
   * looking at an item does not weigh it.
   */
  public CompletionStage<List<Served>> serveToIndex(List<ItemRecord> items) {
    return serve(items).thenApply(served -> {
      remember(items, served);
      return served;
    });
  }

  /**
   * Folds the served vectors of items with an uploader and metadata of their own into their uploader's mean
   * (items whose m was the mean or the default are left out; see the class comment). A zero vector (h and m
   * cancelled) has no direction and is left out too.
   */
  void remember(List<ItemRecord> items, List<Served> served) {
    if (items.size() != served.size()) throw new IllegalArgumentException("served must be aligned with items");
    for (int i = 0; i < items.size(); i++) {
      ItemRecord.ItemMetadata m = items.get(i).metadata();
      if (m.uploaderId() == null || m.uploaderId().isBlank() || !hasOwnMetadata(m)) continue;
      float[] f = served.get(i).vector();
      if (model.Vectors.normalizeOrNull(f) != null) uploaderMeans.add(m.uploaderId(), f);
    }
  }

  /**
   * Brings in the uploader means that {@link #metaInputs} may ask for these items (those without metadata of their
   * own): call it before {@link #metaInputs} on a batch; {@link #serve} does.
   */
  public CompletionStage<Void> prepare(java.util.Collection<ItemRecord> items) {
    Set<String> uploaders = new HashSet<>();
    for (ItemRecord item : items) {
      ItemRecord.ItemMetadata m = item.metadata();
      if (m.uploaderId() != null && !m.uploaderId().isBlank() && !hasOwnMetadata(m)) uploaders.add(m.uploaderId());
    }
    return uploaders.isEmpty() ? java.util.concurrent.CompletableFuture.completedFuture(null)
        : uploaderMeans.load(uploaders);
  }

  /** The fusion weight {@code a} of a tier's hash rows now (learned, in the θ row). */
  public CompletionStage<Double> alpha(String tier) {
    return rows.read(Set.of(thetaRow())).thenApply(f -> Fusion.alpha(theta(f.get(thetaRow()))[tierIndex(tier)]));
  }

  /** The served vectors of items, in their order. */
  public CompletionStage<List<Served>> serve(List<ItemRecord> items) {
    return prepare(items).thenCompose(ignored -> servePrepared(items));
  }

  private CompletionStage<List<Served>> servePrepared(List<ItemRecord> items) {
    Set<BucketRanges.Key> keys = new HashSet<>();
    keys.add(thetaRow());
    List<MetaInputs> inputs = new ArrayList<>(items.size());
    for (ItemRecord item : items) {
      keys.add(hashRow(item));
      MetaInputs in = metaInputs(item.metadata());
      inputs.add(in);
      keys.addAll(in.rows());
    }
    return rows.read(keys).thenApply(fetched -> {
      double[] theta = theta(fetched.get(thetaRow()));
      long now = clock.millis();
      List<Served> out = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        ItemRecord item = items.get(i);
        out.add(served(item, fetched.get(hashRow(item)), meta(item, inputs.get(i), fetched),
            theta[tierIndex(item.tier())], now));
      }
      return out;
    });
  }

  /** The one place an item's served vector is made: fusion, then the blend from its anchor while it moves. */
  Served served(ItemRecord item, float[] h, float[] m, double theta, long nowMillis) {
    Fusion.Fused f = Fusion.forward(h, m, theta);
    float[] fused = f.vector();
    boolean moving = item.anchor() != null && item.movedAt() != null && item.anchor().length == fused.length;
    double w = !moving ? 0 : blend.anchorWeight(item.movedAt().toEpochMilli(), nowMillis);
    return new Served(h, m, MoveBlend.mix(item.anchor(), fused, w), f.alpha(), fused, w);
  }
}
