package streams;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The interaction wire rules: every violation names its field; toJson and parse round-trip. */
class InteractionCodecTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void eventTypesHaveLowerCaseWireNamesAndClasses() {
    for (EventType t : EventType.values()) assertSame(t, EventType.parse(t.wireName()));
    assertEquals("impression", EventType.IMPRESSION.wireName());
    assertTrue(EventType.CLICK.positive() && EventType.LIKE.positive() && EventType.FINISH.positive()
        && EventType.SHARE.positive());
    assertFalse(EventType.IMPRESSION.positive() || EventType.SKIP.positive());
    assertTrue(EventType.IMPRESSION.exposure());
    assertFalse(EventType.CLICK.exposure() || EventType.SKIP.exposure());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventType.parse("CLICK"));
    assertTrue(e.getMessage().contains("impression | click | like | finish | share | skip"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EventType.parse(null));
  }

  @Test
  void parsesAValidRecordWithEpochOrIsoTime() throws Exception {
    assertEquals(new Interaction("u1", "v123", EventType.CLICK, 1763892000000L),
        parse("{\"userId\":\"u1\",\"itemId\":\"v123\",\"type\":\"click\",\"ts\":1763892000000}"));
    assertEquals(1763892000000L,
        parse("{\"userId\":\"u1\",\"itemId\":\"v\",\"type\":\"skip\",\"ts\":\"2025-11-23T10:00:00Z\"}").ts());
    assertEquals(1763892000000L,
        parse("{\"userId\":\"u1\",\"itemId\":\"v\",\"type\":\"skip\",\"ts\":\"2025-11-23T18:00:00+08:00\"}").ts());
    assertEquals(1763892000000L, parse(event("\"ts\":1.763892E12")).ts(), "integral by value");
    assertEquals(0L, parse(event("\"ts\":0")).ts());
    assertEquals("用户", parse("{\"userId\":\"用户\",\"itemId\":\"v\",\"type\":\"like\",\"ts\":1,\"extra\":[1]}")
        .userId(), "unknown fields are ignored");
    assertEquals("😀".repeat(128), parse("{\"userId\":\"" + "😀".repeat(128)
        + "\",\"itemId\":\"v\",\"type\":\"like\",\"ts\":1}").userId(), "length counts characters, not UTF-16 units");
  }

  @Test
  void idsAreRequiredBoundedStringsWithoutControlCharacters() {
    assertBad("userId", "is required", "{\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "is required", "{\"userId\":null,\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "must be a string", "{\"userId\":7,\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "1–128", "{\"userId\":\"\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "1–128",
        "{\"userId\":\"" + "u".repeat(129) + "\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "control", "{\"userId\":\"u\\u0000\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "control", "{\"userId\":\"u\\n1\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "control", "{\"userId\":\"u\\u0085\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("userId", "surrogate", "{\"userId\":\"u\\ud800\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("itemId", "is required", "{\"userId\":\"u\",\"type\":\"click\",\"ts\":1}");
    assertBad("itemId", "must be a string", "{\"userId\":\"u\",\"itemId\":[\"v\"],\"type\":\"click\",\"ts\":1}");
    assertBad("itemId", "1–128",
        "{\"userId\":\"u\",\"itemId\":\"" + "v".repeat(129) + "\",\"type\":\"click\",\"ts\":1}");
    assertBad("itemId", "control", "{\"userId\":\"u\",\"itemId\":\"v\\u007f\",\"type\":\"click\",\"ts\":1}");
  }

  @Test
  void typeIsOneOfTheSixWireNames() {
    assertBad("type", "is required", "{\"userId\":\"u\",\"itemId\":\"v\",\"ts\":1}");
    assertBad("type", "impression | click | like | finish | share | skip",
        "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"purchase\",\"ts\":1}");
    assertBad("type", "must be one of", "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"Click\",\"ts\":1}");
    assertBad("type", "must be a string", "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":1,\"ts\":1}");
  }

  @Test
  void tsIsNonNegativeEpochMillisOrIsoWithOffset() {
    assertBad("ts", "is required", "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"click\"}");
    assertBad("ts", ">= 0", event("\"ts\":-1"));
    assertBad("ts", "whole", event("\"ts\":1.5"));
    assertBad("ts", "out of range", event("\"ts\":1e30"));
    assertBad("ts", "out of range", event("\"ts\":9223372036854775808"));
    assertBad("ts", "ISO-8601", event("\"ts\":\"2025-11-23T10:00:00\""), "an offset is required");
    assertBad("ts", "ISO-8601", event("\"ts\":\"yesterday\""));
    assertBad("ts", "ISO-8601", event("\"ts\":\"NaN\""));
    assertBad("ts", "1970", event("\"ts\":\"1969-12-31T23:59:59Z\""));
    assertBad("ts", "must be epoch milliseconds", event("\"ts\":true"));
    assertBad("ts", "a day in the future", event("\"ts\":9223372036854775807"));
    assertBad("ts", "a day in the future", event("\"ts\":" + (System.currentTimeMillis() + 2 * 86_400_000L)));
    assertBad("ts", "a day in the future", event("\"ts\":\"+300000000-01-01T00:00:00Z\""));
    assertBad("ts", "number too long", event("\"ts\":" + "9".repeat(1_000_000)));
  }

  @Test
  void aWholeRecordMustBeOneStrictJsonObject() {
    assertBad("", "malformed JSON", "{\"userId\":\"u\",");
    assertBad("", "malformed JSON", "not json");
    assertBad("", "malformed JSON", event("\"ts\":NaN"));
    assertBad("", "malformed JSON", "{\"userId\":\"u\",\"userId\":\"w\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1}");
    assertBad("", "malformed JSON", event("\"ts\":1") + " {}");
    assertBad("", "more than one value", event("\"ts\":1") + event("\"ts\":2"));
    assertBad("", "more than one value", event("\"ts\":1") + " trailing");
    assertBad("", "must be a JSON object", "[1,2]");
    assertBad("", "must be a JSON object", "\"u\"");
    assertBad("", "must be a JSON object", "");
    BadRecord none = assertThrows(BadRecord.class, () -> InteractionCodec.parse((byte[]) null));
    assertEquals("", none.field());
  }

  @Test
  void eventsInsideADocumentAreNamedByTheirPath() throws Exception {
    JsonNode body = JSON.readTree("{\"events\":[{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"click\",\"ts\":1},"
        + "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"jump\",\"ts\":1}, 5]}");
    assertEquals("u", InteractionCodec.parse(body.get("events").get(0), "events[0]").userId());
    BadRecord type = assertThrows(BadRecord.class, () -> InteractionCodec.parse(body.get("events").get(1), "events[1]"));
    assertEquals("events[1].type", type.field());
    assertTrue(type.describe().startsWith("events[1].type: must be one of"), type.describe());
    BadRecord notObject = assertThrows(BadRecord.class,
        () -> InteractionCodec.parse(body.get("events").get(2), "events[2]"));
    assertEquals("events[2]", notObject.field());
    assertTrue(notObject.getMessage().contains("a number"), notObject.getMessage());
    JsonNode nan = JSON.getNodeFactory().numberNode(Double.NaN);
    BadRecord nanTs = assertThrows(BadRecord.class, () -> InteractionCodec.parse(
        JSON.createObjectNode().put("userId", "u").put("itemId", "v").put("type", "click").set("ts", nan), "e"));
    assertEquals("e.ts", nanTs.field());
  }

  @Test
  void roundTrips() throws Exception {
    for (EventType t : EventType.values()) {
      Interaction e = new Interaction("user-" + t, "视频-" + t.ordinal(), t, 1763892000000L + t.ordinal());
      byte[] json = InteractionCodec.toJson(e);
      assertEquals(e, InteractionCodec.parse(json));
      JsonNode tree = JSON.readTree(json);
      assertEquals(t.wireName(), tree.get("type").textValue());
      assertTrue(tree.get("ts").isIntegralNumber());
    }
  }

  private static String event(String tsField) {
    return "{\"userId\":\"u\",\"itemId\":\"v\",\"type\":\"click\"," + tsField + "}";
  }

  private static Interaction parse(String json) throws BadRecord {
    return InteractionCodec.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertBad(String field, String reasonPart, String json) {
    assertBad(field, reasonPart, json, json);
  }

  private static void assertBad(String field, String reasonPart, String json, String what) {
    BadRecord e = assertThrows(BadRecord.class, () -> parse(json), what);
    assertEquals(field, e.field(), () -> what + " → " + e.describe());
    assertTrue(e.getMessage().contains(reasonPart), () -> what + " → " + e.getMessage());
  }
}
