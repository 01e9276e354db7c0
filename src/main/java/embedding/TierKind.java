package embedding;

/** How items map to rows of a tier. */
public enum TierKind {
  /** One row per item, assigned by the tier's owner; no sharing. */
  EXCLUSIVE,
  /** Rows chosen by {@link ItemHasher}; distinct items may share a row. */
  HASHED,
  /**
   * Not an item tier: rows of other learned things that live in the same store machinery (user-ID rows,
   * metadata feature rows, model scalars), placed by hashing their key. Items never enter or migrate here.
   */
  AUXILIARY
}
