package testkit;

import actors.BucketRange;
import embedding.DeltaKernel;
import embedding.RowBlock;
import embedding.RowPatch;
import embedding.StoreLayout;
import embedding.StoreSettings;
import java.util.SplittableRandom;

/** A deterministic stream of gradient batches for one range, and its replay outside the actors. */
public final class DeltaStream {

  public static final int ROWS_PER_BATCH = 16;
  public static final int TOUCHED_ROWS = 64;

  private DeltaStream() {}

  public static String opId(int batch) {
    return "batch-" + batch;
  }

  public static int[] rows(int batch) {
    int[] rows = new int[ROWS_PER_BATCH];
    for (int k = 0; k < rows.length; k++) rows[k] = (batch * 7 + k * 13) % TOUCHED_ROWS;
    return rows;
  }

  public static float[] gradients(int batch, int dim) {
    SplittableRandom rnd = new SplittableRandom(batch);
    float[] g = new float[ROWS_PER_BATCH * dim];
    for (int i = 0; i < g.length; i++) g[i] = (float) (rnd.nextDouble() - 0.5) * 0.2f;
    return g;
  }

  public static BucketRange.ApplyDeltas command(int batch, int dim,
      akka.actor.typed.ActorRef<BucketRange.Ack> replyTo) {
    return new BucketRange.ApplyDeltas(opId(batch), rows(batch), gradients(batch, dim), replyTo);
  }

  /** The block after batches {@code [0, count)} applied in order, computed without actors. */
  public static RowBlock replay(StoreSettings settings, String entityId, int count) {
    StoreLayout layout = settings.layout();
    RowBlock block = settings.emptyBlock(StoreLayout.tierOfEntity(entityId), StoreLayout.rangeOfEntity(entityId));
    DeltaKernel kernel = new DeltaKernel(settings.optimizer(), layout.dim());
    for (int b = 0; b < count; b++) {
      RowPatch patch = kernel.adagrad(block, rows(b), gradients(b, layout.dim()),
          BucketRange.roundingSeed(layout, entityId, opId(b)));
      patch.applyTo(block);
    }
    return block;
  }

  public static short[] rawRows(RowBlock block, int count) {
    short[] out = new short[count * block.dim()];
    for (int r = 0; r < count; r++) block.readRaw(r, out, r * block.dim());
    return out;
  }
}
