package simulation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-topic Chinese and English title words and tags of the synthetic world, read from the class-path
 * resource {@code simulation/topics.txt}, plus generic filler words every topic uses.
 */
public final class Vocabulary {

  /** The words of one topic; {@code category} doubles as the topic's name. */
  public record Topic(String category, List<String> zh, List<String> en, List<String> tagsZh, List<String> tagsEn) {
    public Topic {
      zh = List.copyOf(zh);
      en = List.copyOf(en);
      tagsZh = List.copyOf(tagsZh);
      tagsEn = List.copyOf(tagsEn);
    }
  }

  private static final String RESOURCE = "/simulation/topics.txt";
  private static volatile Vocabulary standard;

  private final List<Topic> topics;
  private final List<String> genericZh;
  private final List<String> genericEn;

  Vocabulary(List<Topic> topics, List<String> genericZh, List<String> genericEn) {
    if (topics.isEmpty()) throw new IllegalArgumentException("topics must not be empty");
    this.topics = List.copyOf(topics);
    this.genericZh = List.copyOf(genericZh);
    this.genericEn = List.copyOf(genericEn);
  }

  /** The shipped vocabulary (20 topics), loaded once. */
  public static Vocabulary standard() {
    Vocabulary v = standard;
    if (v == null) {
      synchronized (Vocabulary.class) {
        if (standard == null) standard = load();
        v = standard;
      }
    }
    return v;
  }

  public int topicCount() {
    return topics.size();
  }

  public Topic topic(int index) {
    return topics.get(index);
  }

  public List<String> genericZh() {
    return genericZh;
  }

  public List<String> genericEn() {
    return genericEn;
  }

  private static Vocabulary load() {
    try (InputStream in = Vocabulary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("missing class-path resource " + RESOURCE);
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Vocabulary parse(List<String> lines) {
    List<Topic> topics = new ArrayList<>();
    List<String> genericZh = List.of();
    List<String> genericEn = List.of();
    String current = null; // "generic", or a topic's category
    List<String> zh = List.of();
    List<String> en = List.of();
    List<String> tagsZh = List.of();
    List<String> tagsEn = List.of();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] parts = line.split("\\s+");
      String key = parts[0];
      List<String> words = Arrays.asList(parts).subList(1, parts.length);
      if (key.equals("generic") || key.equals("topic")) {
        if (current != null && !current.equals("generic")) topics.add(new Topic(current, zh, en, tagsZh, tagsEn));
        current = key.equals("generic") ? "generic" : words.get(0);
        zh = en = tagsZh = tagsEn = List.of();
        continue;
      }
      if (current == null) throw new IllegalArgumentException("line outside a block: " + line);
      switch (key) {
        case "zh" -> {
          if (current.equals("generic")) genericZh = List.copyOf(words); else zh = List.copyOf(words);
        }
        case "en" -> {
          if (current.equals("generic")) genericEn = List.copyOf(words); else en = List.copyOf(words);
        }
        case "tags-zh" -> tagsZh = List.copyOf(words);
        case "tags-en" -> tagsEn = List.copyOf(words);
        default -> throw new IllegalArgumentException("unknown key '" + key + "' in line: " + line);
      }
    }
    if (current != null && !current.equals("generic")) topics.add(new Topic(current, zh, en, tagsZh, tagsEn));
    for (Topic t : topics) {
      if (t.zh().isEmpty() || t.en().isEmpty() || t.tagsZh().isEmpty() || t.tagsEn().isEmpty()) {
        throw new IllegalArgumentException("topic " + t.category() + " lacks words or tags");
      }
    }
    return new Vocabulary(topics, genericZh, genericEn);
  }
}
