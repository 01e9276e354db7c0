package embedding;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Exclusive slots of one hot range: which item owns which slot. A slot goes FREE → CLAIMING (assigned,
 * its row not yet reset) → OWNED → RELEASING (freed, its occupancy not yet cleared) → FREE, so a slot is
 * never handed out while the row store still holds its previous owner's state.
 */
public final class SlotTable {

  public enum Status { FREE, CLAIMING, OWNED, RELEASING }

  /** A claim or release handed to the row store, identified by an operation id unique to this table. */
  public record Pending(int slot, Status status, long seq) {
    public String opId() {
      return (status == Status.CLAIMING ? "claim-" : "release-") + seq;
    }
  }

  private final int slots;
  private final String[] owners;
  private final long[] seqs;
  private final BitSet claiming = new BitSet();
  private final BitSet releasing = new BitSet();
  private final Map<String, Integer> slotOf = new HashMap<>();
  private int cursor;
  private long nextSeq;

  public SlotTable(int slots) {
    this.slots = slots;
    this.owners = new String[slots];
    this.seqs = new long[slots];
  }

  public int slots() {
    return slots;
  }

  public OptionalInt slotOf(String itemId) {
    Integer s = slotOf.get(itemId);
    return s == null ? OptionalInt.empty() : OptionalInt.of(s);
  }

  public Status status(int slot) {
    if (claiming.get(slot)) return Status.CLAIMING;
    if (releasing.get(slot)) return Status.RELEASING;
    return owners[slot] == null ? Status.FREE : Status.OWNED;
  }

  public String owner(int slot) {
    return owners[slot];
  }

  public long nextSeq() {
    return nextSeq;
  }

  public int owned() {
    return slotOf.size();
  }

  /** A free slot to assign next, scanning round-robin so freed slots are not reused at once; empty when full. */
  public OptionalInt findFree() {
    for (int i = 0; i < slots; i++) {
      int s = (cursor + i) % slots;
      if (owners[s] == null && !releasing.get(s)) return OptionalInt.of(s);
    }
    return OptionalInt.empty();
  }

  // Mutations, applied from events (so they must never fail on a valid history).

  public void assign(String itemId, int slot, long seq) {
    owners[slot] = itemId;
    seqs[slot] = seq;
    slotOf.put(itemId, slot);
    claiming.set(slot);
    cursor = (slot + 1) % slots;
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  public void claimed(int slot) {
    claiming.clear(slot);
  }

  public void release(String itemId, int slot, long seq) {
    slotOf.remove(itemId);
    owners[slot] = null;
    seqs[slot] = seq;
    claiming.clear(slot);
    releasing.set(slot);
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  public void freed(int slot) {
    releasing.clear(slot);
  }

  /** Claims and releases not yet confirmed by the row store (to resend after a restart). */
  public List<Pending> pending() {
    List<Pending> out = new ArrayList<>();
    claiming.stream().forEach(s -> out.add(new Pending(s, Status.CLAIMING, seqs[s])));
    releasing.stream().forEach(s -> out.add(new Pending(s, Status.RELEASING, seqs[s])));
    return out;
  }

  public Pending pendingOf(int slot) {
    Status st = status(slot);
    if (st != Status.CLAIMING && st != Status.RELEASING) throw new IllegalStateException("slot " + slot + " is " + st);
    return new Pending(slot, st, seqs[slot]);
  }

  /** The table as plain arrays, for snapshots. */
  public record Image(String[] owners, long[] seqs, int[] claiming, int[] releasing, int cursor, long nextSeq) {}

  public Image image() {
    return new Image(owners.clone(), seqs.clone(), claiming.stream().toArray(), releasing.stream().toArray(),
        cursor, nextSeq);
  }

  public static SlotTable fromImage(Image image) {
    SlotTable t = new SlotTable(image.owners().length);
    for (int s = 0; s < t.slots; s++) {
      t.seqs[s] = image.seqs()[s];
      if (image.owners()[s] != null) {
        t.owners[s] = image.owners()[s];
        t.slotOf.put(image.owners()[s], s);
      }
    }
    for (int s : image.claiming()) t.claiming.set(s);
    for (int s : image.releasing()) t.releasing.set(s);
    t.cursor = image.cursor();
    t.nextSeq = image.nextSeq();
    return t;
  }
}
