package storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Refuses to start a node whose placement settings differ from those the data was written with: items are
 * placed in retrieval shards and hash buckets by functions of these settings, so a changed shard count or tier
 * capacity would silently lose items from recall and mix rows. The first node records them (one lightweight
 * transaction per setting, at start only).
 */
public final class PlacementGuard {

  private PlacementGuard() {}

  /** @throws IllegalStateException naming every setting that differs from the recorded one */
  public static void check(CqlSession session, String keyspace, Map<String, String> settings) {
    List<String> mismatches = new ArrayList<>();
    var insert = session.prepare("INSERT INTO " + keyspace + ".placement (name, value) VALUES (?, ?) IF NOT EXISTS");
    settings.forEach((name, value) -> {
      Row row = session.execute(insert.bind(name, value)).one();
      if (row != null && !row.getBoolean("[applied]")) {
        String recorded = row.getString("value");
        if (!value.equals(recorded)) {
          mismatches.add(name + " is " + value + " here but the data was placed with " + recorded);
        }
      }
    });
    if (!mismatches.isEmpty()) {
      throw new IllegalStateException("placement settings changed: " + String.join("; ", mismatches)
          + ". Set them back: re-placing existing items is not supported.");
    }
  }
}
