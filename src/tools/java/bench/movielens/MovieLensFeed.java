package bench.movielens;

import bench.movielens.MovieLensData.Movie;
import bench.movielens.MovieLensData.Rating;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Puts MovieLens into a node the way a client would: every movie through {@code POST /v1/items:batch}, the
 * training ratings through {@code POST /v1/interactions} in time order (one call at a time, so each partition
 * receives them in order).
 */
public final class MovieLensFeed {

  /** The API's limits per call (ItemRoutes, InteractionRoutes). */
  static final int ITEMS_PER_CALL = 1000;
  static final int EVENTS_PER_CALL = 1000;

  private final ThermoclineHttp api;

  public MovieLensFeed(ThermoclineHttp api) {
    this.api = api;
  }

  /** itemId m&lt;movieId&gt;, the title, genres as tags, the first genre as category. */
  public static ObjectNode item(Movie m) {
    ObjectNode item = JsonNodeFactory.instance.objectNode().put("itemId", ThermoclineEval.itemId(m.movieId()))
        .put("title", m.title());
    ArrayNode tags = item.putArray("tags");
    m.genres().forEach(tags::add);
    if (!m.genres().isEmpty()) item.put("category", m.genres().get(0));
    return item;
  }

  /**
   * A rating as events: always an impression, and a like when it is 4 or more; at the rating's own time
   * (epoch ms; the old timestamps are kept as they are).
   */
  public static void addEvents(Rating r, ArrayNode events) {
    ObjectNode impression = events.addObject().put("userId", ThermoclineEval.userId(r.userId()))
        .put("itemId", ThermoclineEval.itemId(r.movieId())).put("type", "impression")
        .put("ts", r.timestampSeconds() * 1000);
    if (r.rating() >= HoldOutSplit.LIKE) events.addObject().setAll(impression.deepCopy().put("type", "like"));
  }

  public void register(List<Movie> movies) throws IOException, InterruptedException {
    for (int from = 0; from < movies.size(); from += ITEMS_PER_CALL) {
      ArrayNode items = JsonNodeFactory.instance.arrayNode();
      for (Movie m : movies.subList(from, Math.min(movies.size(), from + ITEMS_PER_CALL))) items.add(item(m));
      api.registerItems(items);
    }
  }

  /** Streams the ratings in the given order; returns the number of events sent. */
  public long stream(List<Rating> ratings, java.util.function.LongConsumer progress)
      throws IOException, InterruptedException {
    long sent = 0;
    ArrayNode events = JsonNodeFactory.instance.arrayNode();
    for (Rating r : ratings) {
      // A rating's events stay in one call: flush first when both might not fit.
      if (events.size() + 2 > EVENTS_PER_CALL) {
        api.sendInteractions(events);
        sent += events.size();
        progress.accept(sent);
        events = JsonNodeFactory.instance.arrayNode();
      }
      addEvents(r, events);
    }
    if (!events.isEmpty()) {
      api.sendInteractions(events);
      sent += events.size();
      progress.accept(sent);
    }
    return sent;
  }
}
