package retrieval;

/**
 * Parameters of a {@link VectorIndex}.
 *
 * @param dim vector dimension
 * @param maxDegree neighbours per node on the base layer of the graph; the upper (HNSW) layers keep half as
 *     many, which is what the measurements in STACK.md used (32/16)
 * @param beamWidth candidates considered while inserting a node (construction breadth)
 * @param alpha diversity pruning of neighbour lists; 1.0 (plain HNSW pruning) beat jvector's usual 1.2 on
 *     normalised d=32 vectors
 * @param neighborOverflow how far a neighbour list may temporarily exceed {@code maxDegree} during inserts
 * @param compactDeletedFraction {@link VectorIndex#compactIfNeeded()} compacts once retired nodes make up this
 *     share of the graph
 */
public record IndexParams(int dim, int maxDegree, int beamWidth, float alpha, float neighborOverflow,
    double compactDeletedFraction) {

  public IndexParams {
    if (dim < 1) throw new IllegalArgumentException("dim must be positive: " + dim);
    if (maxDegree < 2) throw new IllegalArgumentException("maxDegree must be at least 2: " + maxDegree);
    if (beamWidth < 1) throw new IllegalArgumentException("beamWidth must be positive: " + beamWidth);
    if (!(alpha > 0) || !Float.isFinite(alpha)) throw new IllegalArgumentException("alpha must be > 0: " + alpha);
    if (!(neighborOverflow >= 1) || !Float.isFinite(neighborOverflow)) {
      throw new IllegalArgumentException("neighborOverflow must be >= 1: " + neighborOverflow);
    }
    if (!(compactDeletedFraction > 0 && compactDeletedFraction <= 1)) {
      throw new IllegalArgumentException("compactDeletedFraction must be in (0, 1]: " + compactDeletedFraction);
    }
  }

  public static IndexParams defaults(int dim) {
    return new IndexParams(dim, 32, 100, 1.0f, 1.2f, 0.1);
  }

  /** Degree of the layers above the base layer. */
  public int upperLayerDegree() {
    return Math.max(2, maxDegree / 2);
  }
}
