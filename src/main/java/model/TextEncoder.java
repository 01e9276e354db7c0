package model;

/**
 * Turns a piece of text (an item title, a tag) into a fixed-size unit vector. Implementations are
 * thread-safe: one instance serves every caller of a node.
 */
public interface TextEncoder extends AutoCloseable {

  /** Length of every vector {@link #encode} returns. */
  int dim();

  /**
   * A unit-length vector of {@link #dim()} floats, or null when there is nothing to encode (null, empty or
   * blank text): absent text is missing metadata, not an error.
   */
  float[] encode(String text);

  /** Short configuration name, e.g. "hashed-ngrams" or "bge-small-zh". */
  String name();

  /** Frees native resources, if any; the encoder must not be used afterwards. */
  @Override
  default void close() {}
}
