package app;

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
import model.TextEncoder;
import storage.ItemRecord;

/**
 * The served vector of items ({@code f = normalise(a·h + (1−a)·m)}, ARCHITECTURE §1): hash rows from their
 * tier, metadata vectors from the item's cached text head plus its feature rows (tags, category, uploader, or
 * the learned default) and the fusion logit of each tier. One node-local instance serves registration, reads,
 * shard rebuilds and the learner's re-upserts; it reads every row it needs in one ask per bucket range.
 */
public final class FusionService {

  /** User-ID rows, starting at 0 ({@link model.UserSide}); the older table "users" started random. */
  public static final String USERS = "userids";
  public static final String FEATURES = "features";
  public static final String PARAMS = "params";

  /** An item's vectors: hash row, metadata vector, served vector and the weight of the hash row. */
  public record Served(float[] hash, float[] meta, float[] vector, double alpha) {}

  /** Where an item's meta comes from: its feature keys and the rows they live in (features table). */
  public record MetaInputs(List<String> keys, List<RowReader.Key> rows) {}

  private final StoreLayout layout;
  private final RowReader rows;
  private final MetaEncoder encoder;
  private final TextEncoder text;
  private final List<TierSpec> itemTiers;
  private final ItemHasher featureHasher;
  private final ItemHasher userHasher;

  public FusionService(StoreLayout layout, RowReader rows, MetaEncoder encoder, TextEncoder text) {
    this.layout = layout;
    this.rows = rows;
    this.encoder = encoder;
    this.text = text;
    this.itemTiers = layout.itemTiers();
    this.featureHasher = new ItemHasher(layout.tier(FEATURES).seed());
    this.userHasher = new ItemHasher(layout.tier(USERS).seed());
    if (itemTiers.size() > layout.dim()) throw new IllegalArgumentException("more item tiers than row elements");
    if (encoder.dim() != layout.dim()) throw new IllegalArgumentException("meta encoder dim != store dim");
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

  /** Feature keys of an item; an item with nothing to encode and no uploader gets the learned default. */
  public MetaInputs metaInputs(ItemRecord.ItemMetadata m) {
    List<String> keys = encoder.featureKeys(m.tags(), m.category(), m.uploaderId());
    if (keys.isEmpty() && !encoder.hasMetadata(m.title(), m.tags(), m.category(), m.imageVector())) {
      keys = encoder.defaultKeys();
    }
    List<RowReader.Key> keyRows = new ArrayList<>(keys.size());
    for (String k : keys) keyRows.add(featureRow(k));
    return new MetaInputs(keys, keyRows);
  }

  public RowReader.Key featureRow(String key) {
    return new RowReader.Key(FEATURES, featureHasher.bucket(key, layout.tier(FEATURES).capacity()));
  }

  public RowReader.Key userRow(String userId) {
    return new RowReader.Key(USERS, userHasher.bucket(userId, layout.tier(USERS).capacity()));
  }

  /** θ offsets live in row 0 of the params table, one element per item tier. */
  public static RowReader.Key thetaRow() {
    return new RowReader.Key(PARAMS, 0);
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

  public RowReader.Key hashRow(ItemRecord item) {
    return new RowReader.Key(item.tier(), item.row());
  }

  /** m from already-fetched rows. */
  public float[] meta(ItemRecord item, MetaInputs inputs, Map<RowReader.Key, float[]> fetched) {
    float[][] featureRows = new float[inputs.rows().size()][];
    for (int k = 0; k < featureRows.length; k++) featureRows[k] = fetched.get(inputs.rows().get(k));
    return encoder.forwardFromHead(item.textHead(), inputs.keys(), featureRows, item.metadata().imageVector());
  }

  /** The served vectors of items, in their order. */
  public CompletionStage<List<Served>> serve(List<ItemRecord> items) {
    Set<RowReader.Key> keys = new HashSet<>();
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
      List<Served> out = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        ItemRecord item = items.get(i);
        float[] h = fetched.get(hashRow(item));
        float[] m = meta(item, inputs.get(i), fetched);
        Fusion.Fused f = Fusion.forward(h, m, theta[tierIndex(item.tier())]);
        out.add(new Served(h, m, f.vector(), f.alpha()));
      }
      return out;
    });
  }
}
