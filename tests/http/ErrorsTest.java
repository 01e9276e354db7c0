package http;

import static org.junit.jupiter.api.Assertions.*;

import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import service.Dependency;

/** What failures answer: 503 with Retry-After, and never a stack trace in a body. */
class ErrorsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode body(HttpResponse r) throws Exception {
    return JSON.readTree(((HttpEntity.Strict) r.entity()).getData().utf8String());
  }

  private static String retryAfter(HttpResponse r) {
    return r.getHeader("Retry-After").map(h -> h.value()).orElse(null);
  }

  @Test
  void aDependencyAwayIs503WithItsRetryAfter() throws Exception {
    HttpResponse r = Errors.toResponse(new CompletionException(new Dependency.Unavailable("kafka", "probe failed", 3)));
    assertEquals(503, r.status().intValue());
    assertEquals("3", retryAfter(r));
    assertTrue(body(r).get("error").asText().contains("kafka is unavailable"), body(r).toString());
  }

  @Test
  void aTimeoutIs503WithRetryAfter() throws Exception {
    HttpResponse timeout = Errors.toResponse(new java.util.concurrent.TimeoutException("late"));
    assertEquals(503, timeout.status().intValue());
    assertNotNull(retryAfter(timeout));
  }

  @Test
  void anUnexpectedFailureShowsNoStackTrace() throws Exception {
    IllegalStateException bug = new IllegalStateException("secret detail at line 7");
    HttpResponse r = Errors.toResponse(bug);
    assertEquals(500, r.status().intValue());
    String text = body(r).toString();
    assertFalse(text.contains("secret detail"), text);
    assertFalse(text.contains("\tat ") || text.contains(".java:"), text);
  }
}
