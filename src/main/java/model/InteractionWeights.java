package model;

import java.util.Map;

/** How strongly each positive interaction type speaks for an item (configurable); others weigh 0. */
public record InteractionWeights(Map<String, Double> byType) {

  public InteractionWeights {
    byType = Map.copyOf(byType);
    byType.forEach((type, w) -> {
      if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("weight of " + type + " must be >= 0");
    });
  }

  public static InteractionWeights defaults() {
    return new InteractionWeights(Map.of("click", 1.0, "like", 2.0, "finish", 1.5, "share", 3.0));
  }

  public double weight(String type) {
    return byType.getOrDefault(type, 0.0);
  }

  public boolean positive(String type) {
    return weight(type) > 0;
  }
}
