package model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TextEncodersTest {

  @Test
  void hashedNgramsByName() {
    try (TextEncoder e = TextEncoders.create(" Hashed-Ngrams ", 64, null)) {
      assertEquals("hashed-ngrams", e.name());
      assertEquals(64, e.dim());
      assertEquals(64, e.encode("猫").length);
    }
    assertEquals(HashedNgramEncoder.DEFAULT_DIM, TextEncoders.create("hashed-ngrams").dim());
  }

  @Test
  void unknownKindNamesTheParameter() {
    var e = assertThrows(IllegalArgumentException.class, () -> TextEncoders.create("word2vec"));
    assertTrue(e.getMessage().startsWith("kind"));
    assertThrows(IllegalArgumentException.class, () -> TextEncoders.create(null));
  }
}
