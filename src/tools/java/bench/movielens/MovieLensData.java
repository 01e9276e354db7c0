package bench.movielens;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * MovieLens (latest-small layout) read from the folder the user names: {@code movies.csv}
 * ({@code movieId,title,genres}, titles quoted when they hold commas, genres {@code A|B|C}) and {@code ratings.csv}
 * ({@code userId,movieId,rating,timestamp}, seconds). The data stays where it is (research licence).
 */
public record MovieLensData(List<Movie> movies, List<Rating> ratings) {

  /** MovieLens writes this where a movie has no genre; it is no genre. */
  static final String NO_GENRES = "(no genres listed)";

  public record Movie(int movieId, String title, List<String> genres) {}

  public record Rating(int userId, int movieId, double rating, long timestampSeconds) {}

  /** The data folder is missing or not MovieLens; the message says what to give instead. */
  public static final class BadData extends Exception {
    BadData(String message) {
      super(message);
    }
  }

  public static MovieLensData load(Path dir) throws BadData {
    if (dir == null) throw new BadData("--data is required: the MovieLens folder (movies.csv, ratings.csv)");
    if (!Files.isDirectory(dir)) throw new BadData("--data " + dir + " is not a folder (expected MovieLens "
        + "latest-small: movies.csv and ratings.csv)");
    try {
      return parse(dir);
    } catch (NumberFormatException e) {
      throw new BadData(dir + ": not a number where one belongs (" + e.getMessage() + ")");
    }
  }

  private static MovieLensData parse(Path dir) throws BadData {
    List<Movie> movies = new ArrayList<>();
    for (String[] f : rows(dir.resolve("movies.csv"), "movieId,title,genres", 3)) {
      List<String> genres = new ArrayList<>(Arrays.asList(f[2].split("\\|")));
      genres.removeIf(g -> g.isBlank() || g.equals(NO_GENRES));
      movies.add(new Movie(Integer.parseInt(f[0]), f[1], List.copyOf(genres)));
    }
    Set<Integer> known = new HashSet<>();
    for (Movie m : movies) known.add(m.movieId());
    List<Rating> ratings = new ArrayList<>();
    Path ratingsFile = dir.resolve("ratings.csv");
    for (String[] f : rows(ratingsFile, "userId,movieId,rating,timestamp", 4)) {
      Rating r = new Rating(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Double.parseDouble(f[2]),
          Long.parseLong(f[3]));
      if (!known.contains(r.movieId())) throw new BadData(ratingsFile + ": movie " + r.movieId() + " is not in movies.csv");
      ratings.add(r);
    }
    if (movies.isEmpty() || ratings.isEmpty()) throw new BadData(dir + ": movies.csv or ratings.csv has no rows");
    return new MovieLensData(List.copyOf(movies), List.copyOf(ratings));
  }

  /** Only the ratings of {@code maxUsers} users drawn with {@code seed} (all movies stay): a quicker run. */
  public MovieLensData withUsers(int maxUsers, long seed) {
    TreeSet<Integer> users = new TreeSet<>();
    for (Rating r : ratings) users.add(r.userId());
    if (maxUsers >= users.size()) return this;
    List<Integer> shuffled = new ArrayList<>(users);
    java.util.Collections.shuffle(shuffled, new Random(seed));
    Set<Integer> kept = new HashSet<>(shuffled.subList(0, maxUsers));
    return new MovieLensData(movies, ratings.stream().filter(r -> kept.contains(r.userId())).toList());
  }

  /** The data rows of a CSV file with this header, each with exactly {@code fields} fields. */
  private static List<String[]> rows(Path file, String header, int fields) throws BadData {
    if (!Files.isRegularFile(file)) {
      throw new BadData("no " + file.getFileName() + " in " + file.getParent() + " (expected MovieLens latest-small: "
          + "movies.csv and ratings.csv)");
    }
    List<String[]> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null || !first.strip().replace("\uFEFF", "").equals(header)) {
        throw new BadData(file + ": header is '" + first + "', expected '" + header + "'");
      }
      int lineNo = 1;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNo++;
        if (line.isBlank()) continue;
        String[] f = splitCsv(line);
        if (f.length != fields) throw new BadData(file + " line " + lineNo + ": " + f.length + " fields, expected " + fields);
        out.add(f);
      }
    } catch (IOException e) {
      throw new BadData("cannot read " + file + ": " + e.getMessage());
    }
    return out;
  }

  /** One CSV line (RFC 4180 quoting: a quoted field may hold commas, "" is a quote). */
  static String[] splitCsv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields.toArray(String[]::new);
  }
}
