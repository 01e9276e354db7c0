package streams;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Each shared input rule on its own: the limits of docs/API.md, every refusal naming its field. */
class WireRulesTest {

  private static final JsonNodeFactory N = JsonNodeFactory.instance;
  private static final long NOW = 1_795_000_000_000L; // 2026-11-19
  private static final long DAY = 86_400_000L;

  @Test
  void identifiersAreOneTo128CodePointsOfValidUtf16WithoutControls() throws BadRecord {
    assertEquals("v1", WireRules.identifier("v1", "itemId"));
    assertEquals("😀".repeat(128), WireRules.identifier("😀".repeat(128), "itemId"), "pairs count once");
    assertRefused("itemId", "1–128", () -> WireRules.identifier("", "itemId"));
    assertRefused("itemId", "got 129", () -> WireRules.identifier("x".repeat(129), "itemId"));
    assertRefused("itemId", "control", () -> WireRules.identifier("a\u0001", "itemId"));
    assertRefused("userId", "unpaired surrogate at index 1", () -> WireRules.identifier("a\ud800", "userId"));
    assertRefused("userId", "unpaired surrogate at index 0", () -> WireRules.identifier("\udc00b", "userId"));
    assertRefused("userId", "unpaired surrogate at index 1", () -> WireRules.identifier("a\ud800b", "userId"));
    assertRefused("userId", "unpaired surrogate", () -> WireRules.identifier("\ude00\ud83d", "userId"), "reversed pair");
  }

  @Test
  void textIsBoundedValidAndWithoutNul() throws BadRecord {
    assertEquals("", WireRules.text("", "title", 10));
    assertEquals("猫".repeat(10), WireRules.text("猫".repeat(10), "title", 10));
    assertRefused("category", "at most 128 characters, got 129",
        () -> WireRules.text("c".repeat(129), "category", WireRules.MAX_CATEGORY_CHARS));
    assertRefused("title", "NUL", () -> WireRules.text("a\0", "title", 10));
    assertRefused("title", "unpaired surrogate", () -> WireRules.text("x\udbff", "title", 10));
    assertRefused("tags[2]", "1–64", () -> WireRules.tag("", "tags[2]"));
    assertRefused("tags[2]", "1–64", () -> WireRules.tag("t".repeat(65), "tags[2]"));
    assertRefused("tags[0]", "unpaired surrogate", () -> WireRules.tag("\ud800", "tags[0]"));
    assertRefused("tags[0]", "control", () -> WireRules.tag("a\tb", "tags[0]"));
  }

  @Test
  void timesRunFrom1970ToADayAfterNow() throws BadRecord {
    assertEquals(0L, WireRules.epochMillis(N.numberNode(0L), "ts", NOW));
    assertEquals(NOW + DAY, WireRules.epochMillis(N.numberNode(NOW + DAY), "ts", NOW));
    assertEquals(NOW, WireRules.epochMillis(N.numberNode(NOW * 1.0), "ts", NOW), "integral by value");
    assertEquals(1_763_892_000_000L, WireRules.epochMillis(TextNode.valueOf("2025-11-23T10:00:00Z"), "ts", NOW));
    assertRefused("ts", "a day in the future", () -> WireRules.epochMillis(N.numberNode(NOW + DAY + 1), "ts", NOW));
    assertRefused("ts", "out of range", () -> WireRules.epochMillis(N.numberNode(Long.MAX_VALUE), "ts", NOW));
    assertRefused("ts", "out of range",
        () -> WireRules.epochMillis(N.numberNode(new BigDecimal("9223372036854775808")), "ts", NOW));
    assertRefused("createdAt", "a day in the future",
        () -> WireRules.epochMillis(TextNode.valueOf("+300000000-01-01T00:00:00Z"), "createdAt", NOW));
    assertRefused("createdAt", "1970",
        () -> WireRules.epochMillis(TextNode.valueOf("-999999999-01-01T00:00:00Z"), "createdAt", NOW));
    assertRefused("createdAt", "a day in the future",
        () -> WireRules.epochMillis(TextNode.valueOf("2099-01-01T00:00:00+08:00"), "createdAt", NOW));
    assertRefused("ts", ">= 0", () -> WireRules.epochMillis(N.numberNode(-1), "ts", NOW));
    assertRefused("ts", "whole", () -> WireRules.epochMillis(N.numberNode(1.5), "ts", NOW));
    assertRefused("ts", "finite", () -> WireRules.epochMillis(N.numberNode(Double.POSITIVE_INFINITY), "ts", NOW));
    assertRefused("ts", "ISO-8601", () -> WireRules.epochMillis(N.booleanNode(true), "ts", NOW));
  }

  @Test
  void vectorComponentsAreFiniteAndAtMostAMillion() throws BadRecord {
    assertEquals(1e6f, WireRules.vectorComponent(N.numberNode(1e6), "v[0]"));
    assertEquals(-0.25f, WireRules.vectorComponent(N.numberNode(-0.25), "v[0]"));
    assertRefused("v[3]", "finite number from -1000000 to 1000000", () -> WireRules.vectorComponent(N.numberNode(3.4e38), "v[3]"));
    assertRefused("v[3]", "finite", () -> WireRules.vectorComponent(N.numberNode(-1.000001e6), "v[3]"));
    assertRefused("v[3]", "finite", () -> WireRules.vectorComponent(N.numberNode(Double.NaN), "v[3]"));
    assertRefused("v[3]", "finite", () -> WireRules.vectorComponent(TextNode.valueOf("1"), "v[3]"));
    assertRefused("v[3]", "finite", () -> WireRules.vectorComponent(null, "v[3]"));
  }

  interface Call {
    Object run() throws BadRecord;
  }

  static void assertRefused(String field, String reasonPart, Call call) {
    assertRefused(field, reasonPart, call, field);
  }

  static void assertRefused(String field, String reasonPart, Call call, String what) {
    BadRecord e = assertThrows(BadRecord.class, call::run, what);
    assertEquals(field, e.field(), () -> what + " → " + e.describe());
    assertTrue(e.getMessage().contains(reasonPart), () -> what + " → " + e.getMessage());
  }
}
