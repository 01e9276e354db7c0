package testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A strict reader of Prometheus's text exposition format 0.0.4 (HELP and TYPE lines, samples with escaped label
 * values, an optional timestamp), for tests that scrape {@code /metrics}. Hand-written: no parser of the format is
 * served for Java (client_java writes it but does not read it). Throws on any line it cannot read, on a sample
 * outside a declared family, and on a repeated series, so a malformed exposition fails the test.
 */
public final class PrometheusText {

  public record Sample(String name, Map<String, String> labels, double value) {}

  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  public Map<String, Family> families() {
    return families;
  }

  public boolean has(String family) {
    return families.containsKey(family);
  }

  public Family family(String name) {
    Family f = families.get(name);
    if (f == null) throw new AssertionError("no metric family " + name + " in " + families.keySet());
    return f;
  }

  /** The sum of the samples named {@code sample} whose labels satisfy {@code labels} (0 if none). */
  public double sum(String sample, Predicate<Map<String, String>> labels) {
    double total = 0;
    for (Family f : families.values()) {
      for (Sample s : f.samples()) if (s.name().equals(sample) && labels.test(s.labels())) total += s.value();
    }
    return total;
  }

  public double sum(String sample) {
    return sum(sample, l -> true);
  }

  /** Samples named {@code sample}, in their order. */
  public List<Sample> samples(String sample) {
    List<Sample> out = new ArrayList<>();
    for (Family f : families.values()) for (Sample s : f.samples()) if (s.name().equals(sample)) out.add(s);
    return out;
  }

  public static PrometheusText parse(String text) {
    Map<String, Family> families = new LinkedHashMap<>();
    Map<String, String> help = new LinkedHashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isBlank()) continue;
      try {
        if (line.startsWith("# HELP ")) {
          String rest = line.substring(7);
          int sp = rest.indexOf(' ');
          help.put(sp < 0 ? rest : rest.substring(0, sp), sp < 0 ? "" : unescapeHelp(rest.substring(sp + 1)));
        } else if (line.startsWith("# TYPE ")) {
          String[] parts = line.substring(7).split(" ");
          if (parts.length != 2) throw new IllegalArgumentException("TYPE needs a name and a type");
          if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
            throw new IllegalArgumentException("unknown type " + parts[1]);
          }
          if (families.containsKey(parts[0])) throw new IllegalArgumentException("family declared twice");
          families.put(parts[0], new Family(parts[0], parts[1], help.getOrDefault(parts[0], ""), new ArrayList<>()));
        } else if (line.startsWith("#")) {
          continue; // a comment
        } else {
          Sample s = sample(line);
          Family f = familyOf(s.name(), families);
          if (f == null) throw new IllegalArgumentException("sample " + s.name() + " outside a declared family");
          if (!seen.add(s.name() + s.labels())) throw new IllegalArgumentException("series repeated");
          f.samples().add(s);
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("line " + lineNo + " (" + line + "): " + e.getMessage(), e);
      }
    }
    return new PrometheusText(families);
  }

  /** The family a sample belongs to: its own name, or a histogram's or summary's with the sample's suffix. */
  private static Family familyOf(String sample, Map<String, Family> families) {
    Family own = families.get(sample);
    if (own != null) return own;
    for (String suffix : List.of("_bucket", "_sum", "_count", "_total", "_created")) {
      if (!sample.endsWith(suffix)) continue;
      Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
      if (f != null) return f;
    }
    return null;
  }

  private static Sample sample(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && isNameChar(line.charAt(i), i == 0)) i++;
    if (i == 0) throw new IllegalArgumentException("no metric name");
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i < n && line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (i < n && isNameChar(line.charAt(i), i == start)) i++;
        if (i == start) throw new IllegalArgumentException("no label name at " + i);
        String label = line.substring(start, i);
        if (i + 1 >= n || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
          throw new IllegalArgumentException("expected =\" after label " + label);
        }
        i += 2;
        StringBuilder value = new StringBuilder();
        while (true) {
          if (i >= n) throw new IllegalArgumentException("unterminated label value");
          char c = line.charAt(i++);
          if (c == '"') break;
          if (c == '\\') {
            if (i >= n) throw new IllegalArgumentException("dangling escape");
            char e = line.charAt(i++);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) throw new IllegalArgumentException("label repeated");
        if (i < n && line.charAt(i) == ',') i++;
        else if (i >= n || line.charAt(i) != '}') throw new IllegalArgumentException("expected , or }");
      }
    }
    if (i >= n || line.charAt(i) != ' ') throw new IllegalArgumentException("expected a space before the value");
    String[] rest = line.substring(i + 1).trim().split(" +");
    if (rest.length < 1 || rest.length > 2) throw new IllegalArgumentException("expected a value and a timestamp");
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    };
    if (rest.length == 2) Long.parseLong(rest[1]);
    return new Sample(name, labels, value);
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
  }

  private static String unescapeHelp(String s) {
    return s.replace("\\n", "\n").replace("\\\\", "\\");
  }
}
