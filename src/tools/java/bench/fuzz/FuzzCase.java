package bench.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * One request of the fuzz run.
 *
 * @param kind what the generator meant ("items: lone surrogate in itemId"), for the per-kind counts
 * @param admin whether it goes to the operations port
 * @param path path and query, already percent-encoded
 * @param body null for none
 */
public record FuzzCase(String kind, String method, boolean admin, String path, byte[] body) {

  static FuzzCase post(String kind, String path, String body) {
    return new FuzzCase(kind, "POST", false, path, body.getBytes(StandardCharsets.UTF_8));
  }

  static FuzzCase get(String kind, String path) {
    return new FuzzCase(kind, "GET", false, path, null);
  }

  /** The route part of the kind ("items", "recall"…), for the counts by route. */
  public String route() {
    int colon = kind.indexOf(": ");
    return colon < 0 ? kind : kind.substring(0, colon);
  }
}
