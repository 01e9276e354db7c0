package embedding;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SlotTableTest {

  @Test
  void slotGoesThroughClaimOwnReleaseFree() {
    SlotTable t = new SlotTable(2);
    int s = t.findFree().orElseThrow();
    t.assign("v1", s, t.nextSeq());
    assertEquals(SlotTable.Status.CLAIMING, t.status(s));
    assertEquals("claim-0", t.pendingOf(s).opId());
    t.claimed(s);
    assertEquals(SlotTable.Status.OWNED, t.status(s));
    t.release("v1", s, t.nextSeq());
    assertEquals(SlotTable.Status.RELEASING, t.status(s));
    assertEquals("release-1", t.pendingOf(s).opId());
    assertTrue(t.slotOf("v1").isEmpty());
    t.freed(s);
    assertEquals(SlotTable.Status.FREE, t.status(s));
  }

  @Test
  void aReleasingSlotIsNotHandedOutAndAFullTableSaysSo() {
    SlotTable t = new SlotTable(2);
    t.assign("a", 0, t.nextSeq());
    t.assign("b", 1, t.nextSeq());
    assertTrue(t.findFree().isEmpty());
    t.release("a", 0, t.nextSeq());
    assertTrue(t.findFree().isEmpty(), "slot 0 still releasing");
    t.freed(0);
    assertEquals(0, t.findFree().orElseThrow());
  }

  @Test
  void pendingOperationsSurviveAnImageRoundTrip() {
    SlotTable t = new SlotTable(4);
    t.assign("a", 0, t.nextSeq());
    t.claimed(0);
    t.assign("b", 1, t.nextSeq());
    t.release("a", 0, t.nextSeq());
    SlotTable back = SlotTable.fromImage(t.image());
    assertEquals(t.pending(), back.pending());
    assertEquals(1, back.slotOf("b").orElseThrow());
    assertEquals(t.nextSeq(), back.nextSeq());
    assertEquals(t.findFree(), back.findFree());
  }
}
