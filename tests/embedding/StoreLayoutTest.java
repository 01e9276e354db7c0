package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StoreLayoutTest {

  private static final TierSpec HOT = new TierSpec("hot", TierKind.EXCLUSIVE, 10_000, 1, 0.7, 100);
  private static final TierSpec TAIL = new TierSpec("tail2", TierKind.HASHED, 1_000_000, 1, 0.3, 0);
  private static final StoreLayout LAYOUT = new StoreLayout(64, 4096, 0.01f, List.of(HOT, TAIL));

  @Test
  void tierSpecValidates() {
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("Hot", TierKind.HASHED, 1, 0, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a-b", TierKind.HASHED, 1, 0, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("", TierKind.HASHED, 1, 0, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a", TierKind.HASHED, 0, 0, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a", TierKind.HASHED, 1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a", TierKind.HASHED, 1, 0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a", TierKind.HASHED, 1, 0, Double.NaN, 0));
    assertThrows(IllegalArgumentException.class, () -> new TierSpec("a", TierKind.HASHED, 1, 0, 0.5, -1));
    assertThrows(NullPointerException.class, () -> new TierSpec("a", null, 1, 0, 0.5, 0));
  }

  @Test
  void rangeArithmetic() {
    assertEquals(3, HOT.rangeCount(4096)); // 4096 + 4096 + 1808
    assertEquals(4096, HOT.rangeSize(0, 4096));
    assertEquals(1808, HOT.rangeSize(2, 4096));
    assertThrows(IndexOutOfBoundsException.class, () -> HOT.rangeSize(3, 4096));
    assertEquals(1, HOT.rangeCount(10_000));
    assertEquals(10_000, HOT.rangeSize(0, 10_000));
    assertEquals(2, HOT.rangeOf(9_999, 4096));
    assertEquals(9_999 - 8192, HOT.rowInRange(9_999, 4096));
    assertEquals(0, HOT.rangeOf(4095, 4096));
    assertEquals(1, HOT.rangeOf(4096, 4096));
    assertThrows(IndexOutOfBoundsException.class, () -> HOT.rangeOf(10_000, 4096));
    TierSpec huge = new TierSpec("big", TierKind.HASHED, Integer.MAX_VALUE, 0, 0.5, 0);
    assertEquals(524_288, huge.rangeCount(4096)); // no int overflow in the ceiling
    assertEquals(4095, huge.rangeSize(524_287, 4096));
  }

  @Test
  void tierLookup() {
    assertSame(TAIL, LAYOUT.tier("tail2"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LAYOUT.tier("warm"));
    assertTrue(e.getMessage().contains("warm"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new StoreLayout(64, 4096, 0.01f, List.of(HOT, HOT)));
    assertThrows(IllegalArgumentException.class, () -> new StoreLayout(0, 4096, 0.01f, List.of(HOT)));
    assertThrows(IllegalArgumentException.class, () -> new StoreLayout(64, 4096, 0.01f, List.of()));
    assertEquals(245, LAYOUT.rangeCount("tail2"));
  }

  @Test
  void entityIdsRoundTrip() {
    assertEquals("hot-0", StoreLayout.entityId("hot", 0));
    assertEquals("tail2-244", StoreLayout.entityId("tail2", 244));
    assertEquals("tail2", StoreLayout.tierOfEntity("tail2-244"));
    assertEquals(244, StoreLayout.rangeOfEntity("tail2-244"));
    assertEquals(Integer.MAX_VALUE, StoreLayout.rangeOfEntity("a-" + Integer.MAX_VALUE));
    for (String bad : new String[] {"hot", "hot-", "-1", "hot--1", "hot-+1", "hot-01", "Hot-1", "hot-1x",
        "hot-2147483648", "hot-1-2"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> StoreLayout.rangeOfEntity(bad), bad);
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> StoreLayout.tierOfEntity("hot-x"));
    assertThrows(IllegalArgumentException.class, () -> StoreLayout.entityId("hot", -1));
    assertThrows(IllegalArgumentException.class, () -> StoreLayout.entityId("h-t", 1));
  }

  @Test
  void versionedEntityIdsKeepVersionZeroPlain() {
    assertEquals("hot-0", StoreLayout.entityId("hot", 0, 0));
    assertEquals("cold-12@v3", StoreLayout.entityId("cold", 12, 3));
    assertEquals("cold", StoreLayout.tierOfEntity("cold-12@v3"));
    assertEquals(12, StoreLayout.rangeOfEntity("cold-12@v3"));
    assertEquals(3, StoreLayout.versionOfEntity("cold-12@v3"));
    assertEquals(0, StoreLayout.versionOfEntity("cold-12"));
    assertEquals("cold-12", StoreLayout.baseEntity("cold-12@v3"));
    for (String bad : new String[] {"cold-12@v", "cold-12@v0", "cold-12@v-1", "cold-12@vx", "cold-12@v01"}) {
      assertThrows(IllegalArgumentException.class, () -> StoreLayout.versionOfEntity(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> StoreLayout.rangeOfEntity("cold-x@v2"));
    assertThrows(IllegalArgumentException.class, () -> StoreLayout.entityId("hot", 0, -1));
  }

  @Test
  void tableSeedIsDeterministicAndDistinguishesTiers() {
    // HOT and TAIL share seed 1; the name keeps their tables apart.
    assertNotEquals(LAYOUT.tableSeed("hot"), LAYOUT.tableSeed("tail2"));
    assertEquals(LAYOUT.tableSeed("hot"), new TierSpec("hot", TierKind.HASHED, 5, 1, 0.5, 0).tableSeed());
    assertNotEquals(LAYOUT.tableSeed("hot"), new TierSpec("hot", TierKind.HASHED, 5, 2, 0.5, 0).tableSeed());
    assertEquals(-7607110331023776246L, new TierSpec("hot", TierKind.EXCLUSIVE, 10, 1, 0.5, 0).tableSeed());
    assertEquals(8192L, LAYOUT.firstGlobalRow(2));
  }

  @Test
  void auxiliaryTablesAreNotItemTiersAndStartWhereTheySay() {
    TierSpec users = TierSpec.auxiliary("users", 5000, 9, 0f);
    TierSpec cheapest = TierSpec.auxiliary("features", 100, 3, Float.NaN);
    StoreLayout layout = new StoreLayout(8, 4096, 0.01f, List.of(HOT, TAIL, users, cheapest));
    assertEquals(List.of(HOT, TAIL), layout.itemTiers());
    // An auxiliary table has no exposure threshold to win the entry tier with.
    assertSame(TAIL, layout.entryTier());
    assertEquals(0f, layout.initStd("users"));
    assertEquals(0.01f, layout.initStd("features"));
    assertEquals(0.01f, layout.initStd("hot"));
    RowBlock block = new RowBlock(16, 8, layout.tableSeed("users"), 0, layout.initStd("users"), 0.1f);
    float[] row = new float[8];
    block.readRow(3, row, 0);
    assertEquals(0f, (float) java.util.stream.IntStream.range(0, 8).mapToDouble(k -> Math.abs(row[k])).sum());
    assertThrows(IllegalArgumentException.class, () -> TierSpec.auxiliary("x", 10, 1, -1f));
  }
}
