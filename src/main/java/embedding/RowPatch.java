package embedding;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The resulting state of some rows of one range: their fp16 values and Adagrad accumulators. Events carry
 * patches rather than gradients so that replay is a plain copy, deterministic despite stochastic rounding.
 *
 * <p>Encoded as one little-endian byte array (count, row indices, fp16 values, accumulators): compact in
 * a journal and a single binary field in CBOR.
 */
public record RowPatch(int dim, int[] rows, short[] values, float[] accumulators) {

  private static final byte FORMAT = 1;

  public RowPatch {
    if (values.length != rows.length * dim || accumulators.length != rows.length) {
      throw new IllegalArgumentException(
          "patch of " + rows.length + " rows needs " + rows.length * dim + " values and "
              + rows.length + " accumulators, got " + values.length + " and " + accumulators.length);
    }
  }

  public int size() {
    return rows.length;
  }

  /** Copies the patch into the block. */
  public void applyTo(RowBlock block) {
    for (int i = 0; i < rows.length; i++) {
      block.writeRaw(rows[i], values, i * dim);
      block.setAccumulator(rows[i], accumulators[i]);
    }
  }

  public byte[] toBytes() {
    ByteBuffer buf = ByteBuffer.allocate(1 + 8 + rows.length * (4 + 2 * dim + 4)).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(FORMAT).putInt(dim).putInt(rows.length);
    for (int row : rows) buf.putInt(row);
    for (short v : values) buf.putShort(v);
    for (float a : accumulators) buf.putFloat(a);
    return buf.array();
  }

  public static RowPatch fromBytes(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    byte format = buf.get();
    if (format != FORMAT) throw new IllegalArgumentException("unknown row patch format " + format);
    int dim = buf.getInt();
    int n = buf.getInt();
    int[] rows = new int[n];
    short[] values = new short[n * dim];
    float[] acc = new float[n];
    for (int i = 0; i < n; i++) rows[i] = buf.getInt();
    for (int i = 0; i < values.length; i++) values[i] = buf.getShort();
    for (int i = 0; i < n; i++) acc[i] = buf.getFloat();
    return new RowPatch(dim, rows, values, acc);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowPatch p && p.dim == dim && Arrays.equals(p.rows, rows)
        && Arrays.equals(p.values, values) && Arrays.equals(p.accumulators, accumulators);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(rows) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "RowPatch[dim=" + dim + ", rows=" + rows.length + "]";
  }
}
