package embedding;

import java.util.concurrent.locks.StampedLock;

/**
 * A {@link RowBlock} with one writer (its owning entity) and readers on other threads. The owner changes the
 * block only inside {@link #update}; {@link #read} copies rows out under a shared lock, so a reader sees every
 * row either before or after a change, never half of one.
 *
 * <p>Why: an event-sourced entity stashes its commands while a journal write is in flight, so a read sent as a
 * message waits for the writes queued before it. Readers on the entity's own node read through this instead.
 * The owner itself reads its block directly (it is the only writer, so it never races itself).
 */
public final class SharedRows {

  private final RowBlock block;
  private final StampedLock lock = new StampedLock();

  public SharedRows(RowBlock block) {
    if (block == null) throw new IllegalArgumentException("block must not be null");
    this.block = block;
  }

  /** The block, for its owner only: its reads need no lock, its writes go through {@link #update}. */
  public RowBlock block() {
    return block;
  }

  /** Runs a change of the block (owner only), excluding readers meanwhile. */
  public void update(Runnable change) {
    long stamp = lock.writeLock();
    try {
      change.run();
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Raw fp16 bits of {@code rows} (indices within the block), row-major in the order asked.
   *
   * @throws IllegalArgumentException when a row lies outside the block
   */
  public short[] read(int[] rows) {
    int dim = block.dim();
    for (int r : rows) {
      if (r < 0 || r >= block.rows()) {
        throw new IllegalArgumentException("row " + r + " outside [0, " + block.rows() + ")");
      }
    }
    short[] out = new short[rows.length * dim];
    long stamp = lock.readLock();
    try {
      for (int i = 0; i < rows.length; i++) block.readRaw(rows[i], out, i * dim);
    } finally {
      lock.unlockRead(stamp);
    }
    return out;
  }
}
