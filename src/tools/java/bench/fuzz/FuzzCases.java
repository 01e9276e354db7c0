package bench.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A seeded generator of malformed, oversized and adversarial requests over every public and admin route: first
 * each reproducer of issue 15 once, then random mutations of valid bodies, paths and methods. The same seed gives
 * the same requests.
 */
public final class FuzzCases {

  /** JSON text of values no valid field holds; inserted raw, so lone surrogates stay escapes. */
  private static final String[] EVIL = {
      "null", "true", "-1", "0", "1.5", "-0.0", "1e400", "-1e400", "9223372036854775807", "9223372036854775808",
      "\"\"", "\"a\\ud800\"", "\"\\udc00b\"", "\"a\\u0001b\"", "\"a\\u0000\"", "{}", "[]", "[[[[[[[[]]]]]]]]",
      "\"+300000000-01-01T00:00:00Z\"", "\"-999999999-01-01T00:00:00Z\"", "\"2025-13-45T99:00:00Z\"", "\"yesterday\"",
      "\"NaN\"", "\"Infinity\"", "3.4e38", "-3.4e38", "\"😀\"",
  };

  private final Random random;
  private final int imageVectorDim;
  private final long maxBodyBytes;
  private final long maxContentLength;
  private int counter;

  /** Kinds of request whose body is past the server's {@code parsing.max-content-length}: see {@link #cutOff}. */
  public static final String PAST_MAX_CONTENT_LENGTH = "body past the server's max-content-length";

  public FuzzCases(long seed, int imageVectorDim, long maxBodyBytes) {
    this(seed, imageVectorDim, maxBodyBytes, 0);
  }

  /**
   * @param maxContentLength the server's {@code akka.http.server.parsing.max-content-length}: a body past it is one
   *     of the reproducers (0: none)
   */
  public FuzzCases(long seed, int imageVectorDim, long maxBodyBytes, long maxContentLength) {
    this.random = new Random(seed);
    this.imageVectorDim = imageVectorDim;
    this.maxBodyBytes = maxBodyBytes;
    this.maxContentLength = maxContentLength;
  }

  /**
   * A request the server may cut off: its body is declared past what the server reads at all, so it answers 413
   * with "Connection: close" before the body and stops reading; a client that reads only once it has sent
   * everything (java.net.http) sees the connection closed instead. Any other request must get a status.
   */
  public static boolean cutOff(FuzzCase c) {
    return c.kind().endsWith(PAST_MAX_CONTENT_LENGTH);
  }

  /** {@code n} requests: the reproducers first (as many as fit), then random ones. */
  public List<FuzzCase> generate(int n) {
    List<FuzzCase> out = new ArrayList<>(reproducers());
    if (out.size() > n) return out.subList(0, n);
    while (out.size() < n) out.add(next());
    return out;
  }

  /** Each finding of issue 15 that is about input, as a request. */
  public List<FuzzCase> reproducers() {
    List<FuzzCase> out = new ArrayList<>(inputReproducers());
    if (maxContentLength > 0) {
      // Issue 15: 2,000,000 events (122 MB) in one body got a reset after 85 ms, no status.
      int size = (int) Math.min(Integer.MAX_VALUE - 64, maxContentLength + 1024);
      out.add(FuzzCase.post("interactions: " + PAST_MAX_CONTENT_LENGTH, "/v1/interactions",
          "{\"events\": [" + " ".repeat(size) + "]}"));
    }
    return out;
  }

  private List<FuzzCase> inputReproducers() {
    String now = Long.toString(System.currentTimeMillis());
    return List.of(
        FuzzCase.post("items: createdAt year 300,000,000", "/v1/items",
            "{\"itemId\": \"r1\", \"createdAt\": \"+300000000-01-01T00:00:00Z\"}"),
        FuzzCase.post("items: createdAt year -999,999,999", "/v1/items",
            "{\"itemId\": \"r2\", \"createdAt\": \"-999999999-01-01T00:00:00Z\"}"),
        FuzzCase.post("items: imageVector of 3.4e38", "/v1/items",
            "{\"itemId\": \"r3\", \"imageVector\": " + vector("3.4e38") + "}"),
        FuzzCase.post("items: lone surrogate itemId", "/v1/items", "{\"itemId\": \"a\\ud800\"}"),
        FuzzCase.post("recall: lone surrogate userId", "/v1/recall", "{\"userId\": \"a\\ud800\"}"),
        FuzzCase.post("interactions: ts Long.MAX", "/v1/interactions", "{\"events\": [{\"userId\": \"u1\", "
            + "\"itemId\": \"v1\", \"type\": \"like\", \"ts\": 9223372036854775807}]}"),
        FuzzCase.post("items: trailing garbage", "/v1/items", "{\"itemId\":\"tt\",\"title\":\"x\"} trailing"),
        FuzzCase.post("items:batch: one id twice", "/v1/items:batch",
            "{\"items\": [{\"itemId\": \"twice\", \"title\": \"a\"}, {\"itemId\": \"twice\", \"title\": \"b\"}]}"),
        FuzzCase.post("recall: category of 4 MB", "/v1/recall",
            "{\"userId\": \"u1\", \"category\": \"" + "c".repeat(4_000_000) + "\"}"),
        FuzzCase.post("recall: k of 4,000,000 digits", "/v1/recall",
            "{\"userId\": \"u1\", \"k\": " + "9".repeat(4_000_000) + "}"),
        FuzzCase.post("items:batch: 1,000 copies of one itemId", "/v1/items:batch", IntStream.range(0, 1000)
            .mapToObj(i -> "{\"itemId\": \"copies\", \"title\": \"t" + i + "\"}")
            .collect(Collectors.joining(",", "{\"items\": [", "]}"))),
        FuzzCase.post("items: two values", "/v1/items", "{\"itemId\":\"t1\"}{\"itemId\":\"t2\"}"),
        FuzzCase.post("interactions: ts two days ahead", "/v1/interactions", "{\"events\": [{\"userId\": \"u1\", "
            + "\"itemId\": \"v1\", \"type\": \"like\", \"ts\": " + (Long.parseLong(now) + 2 * 86_400_000L) + "}]}"),
        FuzzCase.post("recall: 100k-deep nesting", "/v1/recall",
            "{\"userId\": \"u1\", \"x\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}"),
        FuzzCase.get("users: lone surrogate in the path", "/v1/users/a%ED%A0%80"),
        FuzzCase.get("items: 10 KB id in the path", "/v1/items/" + "y".repeat(10_000)));
  }

  private FuzzCase next() {
    counter++;
    return switch (random.nextInt(12)) {
      case 0, 1 -> body("items", "POST", "/v1/items", this::item);
      case 2 -> body("items:batch", "POST", "/v1/items:batch", this::batch);
      case 3, 4 -> body("interactions", "POST", "/v1/interactions", this::events);
      case 5, 6 -> body("recall", "POST", "/v1/recall", this::recall);
      case 7 -> pathCase("items", random.nextBoolean() ? "GET" : "DELETE", "/v1/items/");
      case 8 -> pathCase("users", "GET", "/v1/users/");
      case 9 -> admin();
      case 10 -> wrongMethod();
      default -> random.nextInt(20) == 0 ? oversized() : body("items", "POST", "/v1/items", this::item);
    };
  }

  private FuzzCase body(String route, String method, String path, Supplier<String> valid) {
    String base = valid.get();
    int how = random.nextInt(10);
    String kind = route + ": ";
    byte[] bytes;
    switch (how) {
      case 0 -> {
        kind += "truncated";
        bytes = utf8(base.substring(0, random.nextInt(base.length())));
      }
      case 1 -> {
        kind += "trailing content";
        bytes = utf8(base + pick(" trailing", "}", "{}", " 1", "]", base));
      }
      case 2 -> {
        kind += "random bytes inserted";
        byte[] b = utf8(base);
        int at = random.nextInt(b.length + 1);
        byte[] noise = new byte[1 + random.nextInt(4)];
        random.nextBytes(noise);
        bytes = concat(concat(slice(b, 0, at), noise), slice(b, at, b.length));
      }
      case 3 -> {
        kind += "duplicate key";
        bytes = utf8("{\"" + firstKey(base) + "\": 1, " + base.substring(1));
      }
      case 4 -> {
        kind += "not an object";
        bytes = utf8(pick("", "null", "[]", "[" + base + "]", "\"x\"", "123", "{", "[".repeat(5000)));
      }
      case 5 -> {
        kind += "huge number";
        bytes = utf8(replaceValue(base, "9".repeat(1 + random.nextInt(random.nextBoolean() ? 50 : 20_000))));
      }
      default -> {
        kind += "evil value";
        bytes = utf8(replaceValue(base, pick(EVIL)));
      }
    }
    return new FuzzCase(kind, method, false, path, bytes);
  }

  private FuzzCase pathCase(String route, String method, String prefix) {
    String id = pick("v" + counter, "", "%00", "a%01b", "a%ED%A0%80", "%FF%FE", "x".repeat(129), "y".repeat(3000),
        "..", "%2F", "%E7%8C%AB", "a%20b", "twice", "copies");
    String query = route.equals("users") && random.nextBoolean()
        ? "?now=" + pick("1", "-5", "9".repeat(40), "yesterday", "2026-01-01T00:00:00Z", "%2B300000000-01-01T00:00:00Z",
        "9223372036854775807", "")
        : "";
    return new FuzzCase(route + ": " + method + " odd path", method, false, prefix + id + query, null);
  }

  private FuzzCase admin() {
    String path = pick("/admin/tiers", "/admin/entities/bucket-range/cold-0", "/admin/entities/bucket-range/cold-"
        + "9".repeat(30), "/admin/entities/bucket-range/hot--1", "/admin/entities/bucket-range/%ED%A0%80-1",
        "/admin/entities/bucket-range/cold-0@v0", "/admin/entities/bucket-range/cold-0@vx",
        "/admin/entities/nothing/x", "/admin/entities/bucket-range/" + "z".repeat(2000), "/admin/migrations",
        "/admin/export?tier=cold", "/admin/", "/admin/tiers?x=%00");
    String method = pick("GET", "GET", "POST", "DELETE", "PUT");
    byte[] body = method.equals("GET") ? null : utf8(pick("{}", "{", "x"));
    return new FuzzCase("admin: " + method, method, true, path, body);
  }

  private FuzzCase wrongMethod() {
    String path = pick("/v1/items", "/v1/items:batch", "/v1/recall", "/v1/interactions", "/v1/users/u1",
        "/v1/items/v1", "/ready", "/alive", "/openapi.yaml", "/v2/anything", "/");
    String method = pick("PUT", "PATCH", "DELETE", "GET", "POST", "OPTIONS");
    return new FuzzCase("method: " + method, method, false, path, method.equals("GET") ? null : utf8("{}"));
  }

  private FuzzCase oversized() {
    // Just over the body limit: a 413, not a reset connection and not a parse of megabytes.
    int size = (int) Math.min(Integer.MAX_VALUE - 64, maxBodyBytes + 1024);
    String path = pick("/v1/items", "/v1/items:batch", "/v1/recall", "/v1/interactions");
    return FuzzCase.post(path.substring(4) + ": body over the limit", path,
        "{\"itemId\": \"big\", \"title\": \"" + "x".repeat(size) + "\"}");
  }

  private String item() {
    StringBuilder b = new StringBuilder("{\"itemId\": \"fz-" + random.nextInt(500) + "\"");
    if (random.nextBoolean()) b.append(", \"title\": \"").append(pick("猫咪第一次见到雪", "a title", "t")).append('"');
    if (random.nextBoolean()) b.append(", \"tags\": [\"a\", \"萌宠\"]");
    if (random.nextBoolean()) b.append(", \"category\": \"").append(pick("pets", "food", "c")).append('"');
    if (random.nextBoolean()) b.append(", \"uploaderId\": \"up").append(random.nextInt(9)).append('"');
    if (random.nextBoolean()) b.append(", \"createdAt\": ").append(System.currentTimeMillis() - random.nextInt(1_000_000));
    if (random.nextInt(4) == 0) b.append(", \"imageVector\": ").append(vector("0.5"));
    return b.append('}').toString();
  }

  private String batch() {
    int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 1001 : 8);
    return IntStream.range(0, n).mapToObj(i -> item()).collect(Collectors.joining(",", "{\"items\": [", "]}"));
  }

  private String events() {
    int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 1001 : 5);
    return IntStream.range(0, n).mapToObj(i -> "{\"userId\": \"fu" + random.nextInt(50) + "\", \"itemId\": \"fz-"
            + random.nextInt(500) + "\", \"type\": \"" + pick("impression", "click", "like", "skip", "jump")
            + "\", \"ts\": " + (System.currentTimeMillis() - random.nextInt(1_000_000)) + "}")
        .collect(Collectors.joining(",", "{\"events\": [", "]}"));
  }

  private String recall() {
    StringBuilder b = new StringBuilder("{\"userId\": \"fu" + random.nextInt(50) + "\"");
    if (random.nextBoolean()) b.append(", \"k\": ").append(1 + random.nextInt(1000));
    if (random.nextBoolean()) b.append(", \"excludeSeen\": ").append(random.nextBoolean());
    if (random.nextBoolean()) b.append(", \"recentItemIds\": [\"fz-1\", \"fz-2\"]");
    if (random.nextBoolean()) b.append(", \"category\": \"").append(pick("pets", "food")).append('"');
    if (random.nextInt(4) == 0) b.append(", \"now\": ").append(System.currentTimeMillis());
    return b.append('}').toString();
  }

  private String vector(String x) {
    return IntStream.range(0, imageVectorDim).mapToObj(i -> x).collect(Collectors.joining(",", "[", "]"));
  }

  /** The body with one value (after a random {@code ": "}) replaced by {@code raw}. */
  private String replaceValue(String base, String raw) {
    List<Integer> colons = new ArrayList<>();
    for (int i = base.indexOf("\": "); i >= 0; i = base.indexOf("\": ", i + 1)) colons.add(i + 3);
    if (colons.isEmpty()) return raw;
    int start = colons.get(random.nextInt(colons.size()));
    int end = valueEnd(base, start);
    return base.substring(0, start) + raw + base.substring(end);
  }

  /** Where the JSON value starting at {@code start} ends (strings, arrays and objects balanced). */
  private static int valueEnd(String s, int start) {
    int depth = 0;
    boolean inString = false;
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') i++;
        else if (c == '"') {
          inString = false;
          if (depth == 0) return i + 1;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '[' || c == '{') {
        depth++;
      } else if (c == ']' || c == '}') {
        if (depth == 0) return i;
        if (--depth == 0) return i + 1;
      } else if (c == ',' && depth == 0) {
        return i;
      }
    }
    return s.length();
  }

  private static String firstKey(String json) {
    int q = json.indexOf('"');
    return q < 0 ? "k" : json.substring(q + 1, json.indexOf('"', q + 1));
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, to);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
