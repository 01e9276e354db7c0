package embedding;

/** How items map to rows of a tier. */
public enum TierKind {
  /** One row per item, assigned by the tier's owner; no sharing. */
  EXCLUSIVE,
  /** Rows chosen by {@link ItemHasher}; distinct items may share a row. */
  HASHED
}
