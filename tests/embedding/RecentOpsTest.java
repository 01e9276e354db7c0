package embedding;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecentOpsTest {

  @Test
  void remembersTheLastCapacityIdsOnly() {
    RecentOps ops = new RecentOps(3);
    for (String id : List.of("a", "b", "c", "d")) ops.remember(id);
    assertFalse(ops.contains("a"));
    assertTrue(ops.contains("b") && ops.contains("c") && ops.contains("d"));
    assertEquals(List.of("b", "c", "d"), ops.oldestFirst());
  }

  @Test
  void repeatsDoNotEvictOrReorder() {
    RecentOps ops = new RecentOps(2);
    ops.remember("a");
    ops.remember("a");
    ops.remember("b");
    assertEquals(List.of("a", "b"), ops.oldestFirst());
  }

  @Test
  void restoresFromItsListing() {
    RecentOps ops = RecentOps.of(2, List.of("x", "y", "z"));
    assertEquals(List.of("y", "z"), ops.oldestFirst());
  }
}
