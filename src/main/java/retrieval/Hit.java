package retrieval;

import java.util.Comparator;
import java.util.Objects;

/**
 * One search result: an item and its cosine similarity to the query (higher is better).
 */
public record Hit(String itemId, float score) {

  /** Best first; equal scores by item id, so that results are deterministic. */
  public static final Comparator<Hit> BEST_FIRST =
      Comparator.comparingDouble((Hit h) -> -h.score).thenComparing(Hit::itemId);

  public Hit {
    Objects.requireNonNull(itemId, "itemId");
  }
}
