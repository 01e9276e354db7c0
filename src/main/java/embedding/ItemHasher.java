package embedding;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Places item ids into hashed tiers: the first 64 bits of MurmurHash3 x64/128 over the UTF-8
 * bytes of the id. Placement is persistent state (trained rows live where ids hash to), so the
 * function must never change; tests pin golden values.
 */
public final class ItemHasher {

  private final int seed;

  public ItemHasher(int seed) {
    this.seed = seed;
  }

  public int seed() {
    return seed;
  }

  public long hash64(String itemId) {
    byte[] utf8 = itemId.getBytes(StandardCharsets.UTF_8);
    return MurmurHash3.hash128x64(utf8, 0, utf8.length, seed)[0];
  }

  /** Bucket in [0, capacity), treating the hash as unsigned so all buckets are reachable. */
  public int bucket(String itemId, int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
    }
    return (int) Long.remainderUnsigned(hash64(itemId), capacity);
  }
}
