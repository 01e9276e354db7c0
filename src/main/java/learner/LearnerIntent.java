package learner;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One learner batch as it is applied: the offsets it covers and the gradients for each bucket range. Written
 * before the first delta is sent, so a crash mid-batch re-sends exactly these (the ranges drop repeats by
 * operation id) instead of recomputing them from rows that are already partly updated.
 */
record LearnerIntent(long firstOffset, long lastOffset, List<Delta> deltas) {

  /** Gradients for rows of one range (row indices within the range; rows.length × dim values). */
  record Delta(String entityId, int[] rows, float[] gradients) {}

  /**
   * The operation id every range sees for this batch: a function of the records only (topic, partition,
   * offsets), so a re-send is recognised, and two runs over the same records round identically (the rounding
   * seed derives from it). One store has one learner; a topic deleted and re-created restarts its offsets, and
   * its first batches would be taken for repeats while the ranges still remember the old ones (4096 per range).
   */
  String opId(String topic, int partition) {
    return "learn:" + topic + ":" + partition + ":" + firstOffset + "-" + lastOffset;
  }

  byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1); // format version
      out.writeLong(firstOffset);
      out.writeLong(lastOffset);
      out.writeInt(deltas.size());
      for (Delta d : deltas) {
        out.writeUTF(d.entityId());
        out.writeInt(d.rows().length);
        for (int r : d.rows()) out.writeInt(r);
        out.writeInt(d.gradients().length);
        for (float g : d.gradients()) out.writeFloat(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static LearnerIntent fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      if (version != 1) throw new IllegalArgumentException("unknown learner intent format " + version);
      long first = in.readLong();
      long last = in.readLong();
      int n = in.readInt();
      List<Delta> deltas = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String entity = in.readUTF();
        int[] rows = new int[in.readInt()];
        for (int r = 0; r < rows.length; r++) rows[r] = in.readInt();
        float[] g = new float[in.readInt()];
        for (int k = 0; k < g.length; k++) g[k] = in.readFloat();
        deltas.add(new Delta(entity, rows, g));
      }
      return new LearnerIntent(first, last, deltas);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
