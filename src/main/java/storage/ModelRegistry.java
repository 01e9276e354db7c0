package storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model registry (tables {@code model_versions} and {@code model_served}): every model version with its parent,
 * status, training window, metrics and times, and the one pointer that says which version is served. Version 0 is
 * the store as it was before versions existed; it is registered (published, served) the first time a node finds
 * no pointer.
 *
 * <p>Blocking calls: they are made by the training run's thread and the registry's own executor
 * ({@code service.ServedModel}), never on an actor or HTTP dispatcher thread. Writes are quorum writes (the
 * driver's default profile); the pointer is written last when a version is published, so a reader that sees it
 * finds the version's row complete.
 */
public final class ModelRegistry {

  public static final String TRAINING = "training";
  public static final String SHADOW = "shadow";
  public static final String PUBLISHED = "published";
  public static final String RETIRED = "retired";
  public static final String FAILED = "failed";

  /** One version as registered; nulls for what is not known (yet). */
  public record Version(long id, Long parent, String status, String runId, Instant windowFrom, Instant windowTo,
      Map<Integer, Long> windowEndOffsets, Map<Integer, Long> resumeOffsets, Double loss, Double heldOutLoss,
      Instant createdAt, Instant publishedAt, Instant retiredAt) {}

  private final CqlSession session;
  private final PreparedStatement selectAll;
  private final PreparedStatement selectOne;
  private final PreparedStatement create;
  private final PreparedStatement setStatus;
  private final PreparedStatement setWindow;
  private final PreparedStatement setResume;
  private final PreparedStatement setLoss;
  private final PreparedStatement setPublished;
  private final PreparedStatement setRetired;
  private final PreparedStatement readPointer;
  private final PreparedStatement initPointer;
  private final PreparedStatement writePointer;

  public ModelRegistry(CqlSession session, String keyspace) {
    this.session = session;
    String versions = keyspace + ".model_versions";
    String served = keyspace + ".model_served";
    selectAll = session.prepare("SELECT * FROM " + versions);
    selectOne = session.prepare("SELECT * FROM " + versions + " WHERE id = ?");
    create = session.prepare("INSERT INTO " + versions + " (id, parent, status, run_id, created_at) VALUES "
        + "(?, ?, ?, ?, ?) IF NOT EXISTS");
    setStatus = session.prepare("UPDATE " + versions + " SET status = ? WHERE id = ?");
    setWindow = session.prepare("UPDATE " + versions + " SET window_from = ?, window_to = ?, window_end_offsets = ? "
        + "WHERE id = ?");
    setResume = session.prepare("UPDATE " + versions + " SET resume_offsets = ? WHERE id = ?");
    setLoss = session.prepare("UPDATE " + versions + " SET loss = ?, held_out_loss = ? WHERE id = ?");
    setPublished = session.prepare("UPDATE " + versions + " SET status = 'published', published_at = ? WHERE id = ?");
    setRetired = session.prepare("UPDATE " + versions + " SET status = 'retired', retired_at = ? WHERE id = ?");
    readPointer = session.prepare("SELECT version FROM " + served + " WHERE name = 'served'");
    initPointer = session.prepare("INSERT INTO " + served + " (name, version, changed_at) VALUES ('served', 0, ?) "
        + "IF NOT EXISTS");
    writePointer = session.prepare("UPDATE " + served + " SET version = ?, changed_at = ? WHERE name = 'served'");
  }

  /** The served version; registers version 0 as served when there is no pointer yet. */
  public long served(Instant now) {
    Row row = session.execute(readPointer.bind().setConsistencyLevel(ConsistencyLevel.QUORUM)).one();
    if (row != null && !row.isNull("version")) return row.getLong("version");
    session.execute(create.bind(0L, null, PUBLISHED, null, now));
    session.execute(setPublished.bind(now, 0L));
    session.execute(initPointer.bind(now));
    row = session.execute(readPointer.bind().setConsistencyLevel(ConsistencyLevel.QUORUM)).one();
    return row.getLong("version");
  }

  /** Every registered version, newest first. */
  public List<Version> versions() {
    List<Version> out = new ArrayList<>();
    for (Row row : session.execute(selectAll.bind())) out.add(version(row));
    out.sort(Comparator.comparingLong(Version::id).reversed());
    return out;
  }

  public Optional<Version> version(long id) {
    return Optional.ofNullable(session.execute(selectOne.bind(id)).one()).map(ModelRegistry::version);
  }

  /** Registers a new version being trained from {@code parent}: the next free id (taken with a lightweight transaction). */
  public long create(long parent, String runId, Instant now) {
    long id = versions().stream().mapToLong(Version::id).max().orElse(0) + 1;
    while (!session.execute(create.bind(id, parent, TRAINING, runId, now)).wasApplied()) id++;
    return id;
  }

  public void status(long id, String status) {
    session.execute(setStatus.bind(status, id));
  }

  public void window(long id, Instant from, Instant to, Map<Integer, Long> endOffsets) {
    session.execute(setWindow.bind(from, to, endOffsets, id));
  }

  public void resumeOffsets(long id, Map<Integer, Long> offsets) {
    session.execute(setResume.bind(offsets, id));
  }

  public void loss(long id, Double loss, Double heldOutLoss) {
    session.execute(setLoss.bind(loss, heldOutLoss, id));
  }

  /** Marks {@code id} published and makes it the served version: the pointer is written last. */
  public void publish(long id, Instant now) {
    session.execute(setPublished.bind(now, id));
    session.execute(writePointer.bind(id, now));
  }

  /** Points back at {@code id} (a kept published version): rollback. */
  public void serve(long id, Instant now) {
    session.execute(writePointer.bind(id, now));
  }

  public void retired(long id, Instant now) {
    session.execute(setRetired.bind(now, id));
  }

  private static Version version(Row r) {
    return new Version(r.getLong("id"), r.isNull("parent") ? null : r.getLong("parent"), r.getString("status"),
        r.getString("run_id"), r.getInstant("window_from"), r.getInstant("window_to"),
        r.isNull("window_end_offsets") ? null : r.getMap("window_end_offsets", Integer.class, Long.class),
        r.isNull("resume_offsets") ? null : r.getMap("resume_offsets", Integer.class, Long.class),
        r.isNull("loss") ? null : r.getDouble("loss"), r.isNull("held_out_loss") ? null : r.getDouble("held_out_loss"),
        r.getInstant("created_at"), r.getInstant("published_at"), r.getInstant("retired_at"));
  }
}
