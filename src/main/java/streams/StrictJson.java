package streams;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;

/**
 * Reads exactly one JSON value from a request body or a Kafka record, bounded while parsing: number literals of
 * at most {@link #MAX_NUMBER_CHARS} characters (Jackson 2.13 converts any length: a 4,000,000-digit {@code k}
 * took minutes of a dispatcher thread), nesting at most {@link #MAX_DEPTH} deep, no duplicate keys (two
 * producers disagreeing about a value), nothing after the value (trailing garbage, or a second record glued on
 * and silently dropped). Jackson 2.15's StreamReadConstraints would do the first two, but Akka 2.6 pins 2.13.
 */
public final class StrictJson {

  /** Longest number literal, as Jackson 2.15's default; a double needs at most about 25. */
  public static final int MAX_NUMBER_CHARS = 1000;
  /** Deepest nesting of arrays and objects; the API's bodies need 3. */
  public static final int MAX_DEPTH = 64;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private StrictJson() {}

  /** One JSON value in UTF-8; never null (empty input is a MissingNode). */
  public static JsonNode read(byte[] json) throws BadRecord {
    try {
      return read(MAPPER.createParser(json));
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** One JSON value; never null (empty input is a MissingNode). */
  public static JsonNode read(String json) throws BadRecord {
    try {
      return read(MAPPER.createParser(json));
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  private static JsonNode read(JsonParser raw) throws BadRecord, IOException {
    try (Bounded p = new Bounded(raw)) {
      if (p.nextToken() == null) return MissingNode.getInstance(); // the callers say what they expected
      JsonNode node = MAPPER.readTree(p);
      long end = p.getCurrentLocation().getCharOffset();
      boolean more;
      try {
        more = p.nextToken() != null;
      } catch (JsonProcessingException garbage) {
        more = true;
      }
      if (more) throw new BadRecord("", "malformed JSON: more than one value (trailing content after character " + end + ")");
      return node;
    } catch (JsonProcessingException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof Refused refused) throw refused.bad; // possibly wrapped by databind
      }
      throw malformed(e);
    }
  }

  private static BadRecord malformed(IOException e) {
    String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return new BadRecord("", "malformed JSON: " + detail);
  }

  /** Carries a refusal through Jackson's IOException-only signatures. */
  private static final class Refused extends JsonProcessingException {
    final BadRecord bad;

    Refused(BadRecord bad) {
      super(bad.getMessage());
      this.bad = bad;
    }
  }

  /** Checks each token as it is read, before anything converts it. */
  private static final class Bounded extends JsonParserDelegate {
    private int depth;

    Bounded(JsonParser p) {
      super(p);
    }

    private JsonToken checked(JsonToken t) throws Refused {
      if (t == null) return null;
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          if (++depth > MAX_DEPTH) throw new Refused(new BadRecord(path(), "nested deeper than " + MAX_DEPTH));
        }
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          int chars;
          try {
            chars = getTextLength(); // the literal's text: no conversion yet
          } catch (IOException e) {
            chars = Integer.MAX_VALUE;
          }
          if (chars > MAX_NUMBER_CHARS) {
            throw new Refused(new BadRecord(path(), "number too long: " + chars + " characters (at most "
                + MAX_NUMBER_CHARS + ")"));
          }
        }
        default -> { }
      }
      return t;
    }

    /** The JSON path of the current token, as the API names fields ("events[3].ts"). */
    private String path() {
      StringBuilder out = new StringBuilder();
      for (JsonStreamContext c = getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
        String step = c.inArray() ? "[" + Math.max(0, c.getCurrentIndex()) + "]"
            : (c.getCurrentName() == null ? "" : c.getCurrentName());
        if (out.length() > 0 && out.charAt(0) != '[') out.insert(0, '.');
        out.insert(0, step);
      }
      return out.toString();
    }

    @Override
    public JsonToken nextToken() throws IOException {
      return checked(delegate.nextToken());
    }

    @Override
    public JsonToken nextValue() throws IOException {
      return checked(delegate.nextValue());
    }

    @Override
    public String nextFieldName() throws IOException {
      String name = delegate.nextFieldName();
      checked(delegate.currentToken());
      return name;
    }

    @Override
    public boolean nextFieldName(SerializableString str) throws IOException {
      boolean match = delegate.nextFieldName(str);
      checked(delegate.currentToken());
      return match;
    }

    @Override
    public String nextTextValue() throws IOException {
      String s = delegate.nextTextValue();
      checked(delegate.currentToken());
      return s;
    }

    @Override
    public int nextIntValue(int defaultValue) throws IOException {
      return nextToken() == JsonToken.VALUE_NUMBER_INT ? getIntValue() : defaultValue;
    }

    @Override
    public long nextLongValue(long defaultValue) throws IOException {
      return nextToken() == JsonToken.VALUE_NUMBER_INT ? getLongValue() : defaultValue;
    }

    @Override
    public Boolean nextBooleanValue() throws IOException {
      JsonToken t = nextToken();
      return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
    }

    @Override
    public JsonParser skipChildren() throws IOException {
      // Through nextToken, so skipped content is bounded too.
      JsonToken t = currentToken();
      if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) return this;
      int open = 1;
      while (open > 0) {
        JsonToken n = nextToken();
        if (n == null) return this;
        if (n.isStructStart()) open++;
        else if (n.isStructEnd()) open--;
      }
      return this;
    }
  }
}
