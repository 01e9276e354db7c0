package model;

/**
 * The user vector with a learnable user-ID row: {@code u = normalise(historyMean + userIdRow)}.
 *
 * <p>{@code historyMean} is the {@link UserTower} history vector (time-decayed mean of recent positives' item
 * vectors) and is a constant here (stop-gradient): online learning does not update history items through the
 * user side, which keeps a step at O(batch) rows. The user-ID row starts at zero, so before any learning u is
 * exactly the normalised history mean. Either input may be null (= zero); when the sum is zero there is no user
 * vector (null) and nothing to learn from that example.
 */
public final class UserSide {

  private final int dim;

  public UserSide(int dim) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0, got " + dim);
    this.dim = dim;
  }

  public int dim() {
    return dim;
  }

  public Forward forward(float[] historyMean, float[] userIdRow) {
    check("historyMean", historyMean);
    check("userIdRow", userIdRow);
    double[] z = new double[dim];
    double n2 = 0;
    for (int i = 0; i < dim; i++) {
      z[i] = (historyMean == null ? 0 : historyMean[i]) + (userIdRow == null ? 0 : userIdRow[i]);
      n2 += z[i] * z[i];
    }
    double norm = Math.sqrt(n2);
    if (!(norm > 0) || !Double.isFinite(norm)) return new Forward(null, 0);
    for (int i = 0; i < dim; i++) z[i] /= norm;
    return new Forward(z, norm);
  }

  private void check(String name, float[] v) {
    if (v != null && v.length != dim) throw new IllegalArgumentException(name + " has length " + v.length + ", expected " + dim);
  }

  /** The result of {@link #forward}; keeps what the backward pass needs. */
  public static final class Forward {
    private final double[] unit;
    private final double norm;

    private Forward(double[] unit, double norm) {
      this.unit = unit;
      this.norm = norm;
    }

    /** True when there is a user vector (the sum was not zero). */
    public boolean defined() {
      return unit != null;
    }

    /** The unit-length user vector, or null when the sum is zero. */
    public float[] vector() {
      if (unit == null) return null;
      float[] u = new float[unit.length];
      for (int i = 0; i < u.length; i++) u[i] = (float) unit[i];
      return u;
    }

    public double norm() {
      return norm;
    }

    /**
     * dL/d userIdRow from dL/du: {@code (g − u·(u·g)) / |z|}. (The same gradient reaches historyMean, which is
     * deliberately not returned: it is a constant for learning.)
     *
     * @throws IllegalStateException when there is no user vector
     */
    public float[] backward(float[] gradUser) {
      if (unit == null) throw new IllegalStateException("no user vector: the history mean plus the user-ID row is zero");
      if (gradUser.length != unit.length) {
        throw new IllegalArgumentException("gradUser has length " + gradUser.length + ", expected " + unit.length);
      }
      double along = 0;
      for (int i = 0; i < unit.length; i++) along += unit[i] * gradUser[i];
      float[] out = new float[unit.length];
      for (int i = 0; i < unit.length; i++) out[i] = (float) ((gradUser[i] - unit[i] * along) / norm);
      return out;
    }
  }
}
