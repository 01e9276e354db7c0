package service;

import http.Json;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ItemRequestsTest {

  private final ItemRequests requests = new ItemRequests(4);

  private ItemRequests.ItemInput parse(String json) {
    return requests.parse(Json.parseObject(json), "");
  }

  @Test
  void acceptsAFullItem() {
    var in = parse("""
        {"itemId": "v123", "title": "猫咪第一次见到雪", "tags": ["萌宠", "猫"], "category": "pets",
         "uploaderId": "u9", "createdAt": "2026-11-23T10:00:00Z", "imageVector": [0.1, -2, 3e5, 0]}""");
    assertEquals("v123", in.itemId());
    assertEquals("猫咪第一次见到雪", in.metadata().title());
    assertEquals(2, in.metadata().tags().size());
    assertEquals(java.time.Instant.parse("2026-11-23T10:00:00Z"), in.metadata().createdAt());
    assertEquals(3e5f, in.metadata().imageVector()[2]);
  }

  @Test
  void acceptsEpochMillisAnd128CharacterIds() {
    String id = "x".repeat(128);
    var in = parse("{\"itemId\": \"" + id + "\", \"createdAt\": 1763892000000}");
    assertEquals(id, in.itemId());
    assertEquals(1763892000000L, in.metadata().createdAt().toEpochMilli());
    assertEquals(128, parse("{\"itemId\": \"" + "猫".repeat(128) + "\"}").itemId().length());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing itemId            | {\"title\": \"t\"}                                   | itemId",
      "null itemId               | {\"itemId\": null}                                  | itemId",
      "empty itemId              | {\"itemId\": \"\"}                                  | itemId",
      "numeric itemId            | {\"itemId\": 5}                                     | itemId",
      "control char in itemId    | {\"itemId\": \"a\\u0001b\"}                         | itemId",
      "newline in itemId         | {\"itemId\": \"a\\nb\"}                             | itemId",
      "title not a string        | {\"itemId\": \"v\", \"title\": 7}                   | title",
      "tags not an array         | {\"itemId\": \"v\", \"tags\": \"cat\"}              | tags",
      "tag not a string          | {\"itemId\": \"v\", \"tags\": [\"a\", 1]}           | tags[1]",
      "empty tag                 | {\"itemId\": \"v\", \"tags\": [\"\"]}               | tags[0]",
      "category object           | {\"itemId\": \"v\", \"category\": {}}               | category",
      "uploaderId array          | {\"itemId\": \"v\", \"uploaderId\": []}             | uploaderId",
      "createdAt not a time      | {\"itemId\": \"v\", \"createdAt\": \"yesterday\"}   | createdAt",
      "createdAt negative        | {\"itemId\": \"v\", \"createdAt\": -5}              | createdAt",
      "imageVector too short     | {\"itemId\": \"v\", \"imageVector\": [1, 2, 3]}     | imageVector",
      "imageVector too long      | {\"itemId\": \"v\", \"imageVector\": [1, 2, 3, 4, 5]} | imageVector",
      "imageVector not an array  | {\"itemId\": \"v\", \"imageVector\": 1}             | imageVector",
      "NaN via string            | {\"itemId\": \"v\", \"imageVector\": [1, \"NaN\", 3, 4]} | imageVector[1]",
      "Infinity via string       | {\"itemId\": \"v\", \"imageVector\": [1, 2, \"Infinity\", 4]} | imageVector[2]",
      "number beyond float       | {\"itemId\": \"v\", \"imageVector\": [1, 2, 3, 1e39]} | imageVector[3]",
      "boolean in vector         | {\"itemId\": \"v\", \"imageVector\": [true, 2, 3, 4]} | imageVector[0]",
      "lone surrogate itemId     | {\"itemId\": \"a\\ud800\"}                     | itemId",
      "lone low surrogate id     | {\"itemId\": \"\\udc00a\"}                     | itemId",
      "lone surrogate uploaderId | {\"itemId\": \"v\", \"uploaderId\": \"u\\ud800\"} | uploaderId",
      "lone surrogate title      | {\"itemId\": \"v\", \"title\": \"x\\udbff\"}  | title",
      "lone surrogate category   | {\"itemId\": \"v\", \"category\": \"\\ud800\"} | category",
      "lone surrogate tag        | {\"itemId\": \"v\", \"tags\": [\"ok\", \"\\ud800\"]} | tags[1]",
      "createdAt year 300M       | {\"itemId\": \"v\", \"createdAt\": \"+300000000-01-01T00:00:00Z\"} | createdAt",
      "createdAt year -1e9       | {\"itemId\": \"v\", \"createdAt\": \"-999999999-01-01T00:00:00Z\"} | createdAt",
      "createdAt Long.MAX        | {\"itemId\": \"v\", \"createdAt\": 9223372036854775807} | createdAt",
      "createdAt 2 days ahead    | {\"itemId\": \"v\", \"createdAt\": \"2999-01-01T00:00:00Z\"} | createdAt",
      "vector component 3.4e38   | {\"itemId\": \"v\", \"imageVector\": [1, 2, 3.4e38, 4]} | imageVector[2]",
      "vector component 1.5e6    | {\"itemId\": \"v\", \"imageVector\": [-1.5e6, 2, 3, 4]} | imageVector[0]",
  })
  void refusesWithTheFieldNamed(String why, String json, String field) {
    ApiError e = assertThrows(ApiError.class, () -> parse(json), why);
    assertEquals(400, e.status());
    assertEquals(field, e.field(), why + ": " + e.getMessage());
  }

  @Test
  void refuses129CharacterIds() {
    ApiError e = assertThrows(ApiError.class, () -> parse("{\"itemId\": \"" + "x".repeat(129) + "\"}"));
    assertEquals("itemId", e.field());
    assertTrue(e.getMessage().contains("129"), e.getMessage());
  }

  @Test
  void refusesBodiesThatAreNotOneJsonObject() {
    for (String body : new String[] {"", "[]", "\"x\"", "{\"itemId\": \"v\"", "{\"itemId\": NaN}",
        "{\"itemId\": \"a\", \"itemId\": \"b\"}"}) {
      ApiError e = assertThrows(ApiError.class, () -> parse(body), body);
      assertEquals(400, e.status(), body);
    }
  }

  @Test
  void boundsEveryTextField() {
    assertEquals("category", assertThrows(ApiError.class,
        () -> parse("{\"itemId\": \"v\", \"category\": \"" + "c".repeat(129) + "\"}")).field());
    assertEquals("title", assertThrows(ApiError.class,
        () -> parse("{\"itemId\": \"v\", \"title\": \"" + "t".repeat(1001) + "\"}")).field());
    assertEquals("uploaderId", assertThrows(ApiError.class,
        () -> parse("{\"itemId\": \"v\", \"uploaderId\": \"" + "u".repeat(129) + "\"}")).field());
    assertEquals("tags", assertThrows(ApiError.class, () -> parse("{\"itemId\": \"v\", \"tags\": ["
        + "\"t\",".repeat(65) + "\"t\"]}")).field());
    ApiError surrogate = assertThrows(ApiError.class, () -> parse("{\"itemId\": \"a\\ud800\"}"));
    assertTrue(surrogate.getMessage().startsWith("itemId must be valid Unicode"), surrogate.getMessage());
  }

  @Test
  void refusesTrailingContentAndGluedValues() {
    for (String body : new String[] {"{\"itemId\":\"tt\",\"title\":\"x\"} trailing", "{\"itemId\":\"t1\"}{\"itemId\":\"t2\"}"}) {
      ApiError e = assertThrows(ApiError.class, () -> parse(body), body);
      assertEquals(400, e.status(), body);
      assertTrue(e.getMessage().contains("more than one value"), e.getMessage());
    }
  }

  @Test
  void batchPathsArePrefixed() {
    ApiError e = assertThrows(ApiError.class,
        () -> requests.parse(Json.parseObject("{\"itemId\": \"\"}"), "items[3]."));
    assertEquals("items[3].itemId", e.field());
  }
}
