package streams;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One JSON value, bounded while parsing: the reproducers of issue 15 are refused quickly. */
class StrictJsonTest {

  @Test
  void readsOneValue() throws BadRecord {
    JsonNode n = StrictJson.read("{\"itemId\": \"v\", \"k\": 5, \"x\": [1.5, {\"y\": null}]}  \n");
    assertEquals(5, n.get("k").intValue());
    assertEquals(1.5, n.get("x").get(0).doubleValue());
    assertTrue(StrictJson.read("").isMissingNode());
    assertEquals(7, StrictJson.read("7".getBytes(StandardCharsets.UTF_8)).intValue());
  }

  @Test
  void refusesTrailingContentAndSecondValues() {
    refused("", "more than one value", "{\"itemId\":\"tt\",\"title\":\"x\"} trailing");
    refused("", "more than one value", "{\"itemId\":\"t1\"}{\"itemId\":\"t2\"}");
    refused("", "more than one value", "{} []");
    refused("", "malformed JSON", "{\"a\": 1, \"a\": 2}");
    refused("", "malformed JSON", "{\"a\": NaN}");
    refused("", "malformed JSON", "{\"a\": ");
  }

  @Test
  void refusesLongNumberLiteralsFastNamingTheField() {
    String digits = "9".repeat(4_000_000);
    long start = System.nanoTime();
    refused("k", "number too long: 4000000 characters", "{\"userId\": \"u\", \"k\": " + digits + "}");
    refused("events[1].ts", "number too long", "{\"events\": [{}, {\"ts\": 1" + "0".repeat(1000) + "}]}");
    refused("imageVector[0]", "number too long", "{\"imageVector\": [0." + "1".repeat(2000) + "]}");
    refused("", "number too long", "1" + "0".repeat(5000));
    assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused while parsing, not after a conversion");
    assertDoesNotThrow(() -> StrictJson.read("{\"k\": " + "9".repeat(StrictJson.MAX_NUMBER_CHARS) + "}"));
  }

  @Test
  void refusesDeepNesting() {
    refused("a", "nested deeper than 64", "{\"a\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}");
    assertDoesNotThrow(() -> StrictJson.read("[".repeat(64) + "]".repeat(64)));
  }

  private static void refused(String field, String reasonPart, String json) {
    BadRecord e = assertThrows(BadRecord.class, () -> StrictJson.read(json));
    assertTrue(e.getMessage().contains(reasonPart), e::getMessage);
    if (field.isEmpty()) assertEquals("", e.field(), e::describe);
    else assertTrue(e.field().startsWith(field), e::describe); // nesting names the innermost path
  }
}
