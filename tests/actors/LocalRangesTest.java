package actors;

import static org.junit.jupiter.api.Assertions.*;

import embedding.RowBlock;
import embedding.SharedRows;
import org.junit.jupiter.api.Test;

class LocalRangesTest {

  @Test
  void anOldIncarnationLeavingDoesNotRemoveTheNewOne() {
    LocalRanges ranges = new LocalRanges();
    SharedRows old = new SharedRows(new RowBlock(16, 4, 1, 0, 0.05f, 0.1f));
    SharedRows fresh = new SharedRows(new RowBlock(16, 4, 1, 0, 0.05f, 0.1f));
    ranges.register("cold-0", old);
    ranges.register("cold-0", fresh); // restarted (e.g. after a failed journal write) before the old one's PostStop
    ranges.unregister("cold-0", old);
    assertSame(fresh, ranges.find("cold-0"));
    ranges.unregister("cold-0", fresh);
    assertNull(ranges.find("cold-0"));
    assertEquals(0, ranges.size());
  }
}
