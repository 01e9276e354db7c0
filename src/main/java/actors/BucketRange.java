package actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.actor.typed.PostStop;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import embedding.DeltaKernel;
import embedding.ItemHasher;
import embedding.Occupancy;
import embedding.RecentOps;
import embedding.RowBlock;
import embedding.RowPatch;
import embedding.SharedRows;
import embedding.StoreLayout;
import embedding.StoreSettings;
import embedding.TierSpec;
import java.util.List;

/**
 * One contiguous range of rows of one tier (entity id {@code <tier>-<range>}): fp16 rows, row-wise Adagrad
 * accumulators and bucket occupancy counts. Every change is an event carrying the resulting rows, so replay
 * is a copy and recovery is bit-identical; every mutating command carries an operation id and a repeat of a
 * recent id changes nothing.
 *
 * <p>The state is mutable for memory's sake (a range is megabytes of packed rows): only the event handler
 * mutates it, and snapshots are encoded to immutable bytes on the entity's own thread by the snapshot
 * adapter, never shared with the snapshot store while the entity goes on. Readers on the same node read the rows
 * through {@link LocalRanges} (under a lock that the event handler's changes take) instead of queueing a
 * {@link ReadRows} behind the journal writes in flight.
 */
public final class BucketRange
    extends EventSourcedBehaviorWithEnforcedReplies<BucketRange.Command, BucketRange.Event, BucketRange.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "BucketRange");

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Reads rows (indices within the range). */
  public record ReadRows(int[] rows, ActorRef<RowsRead> replyTo) implements Command {}

  /** Rows (within the range) whose values are no longer their initial ones: what an export carries. */
  public record GetChangedRows(ActorRef<ChangedRows> replyTo) implements Command {}

  public record ChangedRows(String entityId, int[] rows) implements CborSerializable {}

  /** Applies one batch of gradients with row-wise Adagrad; {@code gradients} is rows.length × dim, row-major. */
  public record ApplyDeltas(String opId, int[] rows, float[] gradients, ActorRef<Ack> replyTo) implements Command {}

  /** Overwrites rows (migration, initialisation); optionally resets their optimizer state. */
  public record WriteRows(String opId, int[] rows, float[] values, boolean resetOptimizer, ActorRef<Ack> replyTo)
      implements Command {}

  /**
   * Counts one more item in a bucket; {@code resetRow} gives a reused exclusive slot a fresh row and optimizer.
   * {@code rowIfAlone} (or null): the row a hashed bucket takes, with a fresh optimizer, when the item is its only
   * occupant, so an item moving into an empty bucket brings what it learned (a shared bucket's row stays).
   */
  public record AddOccupant(String opId, int row, boolean resetRow, float[] rowIfAlone, ActorRef<Ack> replyTo)
      implements Command {}

  /**
   * Counts many items at once (registration batches: one persist per range instead of one per item). Each item
   * keeps its own operation id, so an item retried in a later batch is still counted once.
   */
  public record AddOccupants(List<String> opIds, int[] rows, ActorRef<Ack> replyTo) implements Command {}

  public record RemoveOccupant(String opId, int row, ActorRef<Ack> replyTo) implements Command {}

  public record GetSummary(ActorRef<Summary> replyTo) implements Command {}

  /**
   * Makes this range of a new model version (a versioned entity id) a copy of {@code parentEntityId}'s state: its
   * occupancy and dedupe window, and its rows and optimizer state if {@code copyRows} (else the rows start as a new
   * table's: full retraining from fresh rows, {@code training.start-from}). Until it is seeded, a versioned range
   * holds back every other command that reads or changes rows (stashed, answered once the copy is in), so nothing
   * sees or changes the rows before they are the version's.
   */
  public record Seed(String parentEntityId, boolean copyRows, ActorRef<Ack> replyTo) implements Command {}

  /**
   * Chunk {@code chunk} of the range's whole state, for a range of a new version to seed from: chunk 0 encodes the
   * state as it is now for transfer {@code transferId}, later chunks come from that one encoding
   * ({@link StateTransfer}).
   */
  public record Export(String transferId, int chunk, ActorRef<ExportChunk> replyTo) implements Command {}

  /** {@code error} set (and bytes empty) when the chunk is not there (a transfer superseded by another). */
  public record ExportChunk(String transferId, int chunk, int chunks, int serializerId, String manifest, byte[] bytes,
      String error) implements CborSerializable {}

  /** Stops the entity: its version was retired and its journal is deleted next. */
  public record Retire(ActorRef<Ack> replyTo) implements Command {}

  /** A chunk of the parent's state arrived (or failed to) for a pending {@link Seed}. */
  record SeedChunk(Seed seed, ExportChunk chunk, String error) implements Command {}

  public enum Outcome { APPLIED, DUPLICATE, REJECTED }

  /** The answer to a mutating command; sent only after the change is persisted. */
  public record Ack(String opId, Outcome outcome, int rows, String error) implements CborSerializable {
    public boolean persisted() {
      return outcome != Outcome.REJECTED;
    }
  }

  /** Rows as fp16, row-major, in the order asked; {@code error} set (and values empty) for a bad request. */
  public record RowsRead(int dim, int[] rows, short[] values, String error) implements CborSerializable {
    public float[] row(int i) {
      float[] out = new float[dim];
      embedding.Fp16.decode(values, i * dim, out, 0, dim);
      return out;
    }
  }

  public record Summary(
      String entityId, String tier, int range, int rows, int dim,
      long items, long occupiedBuckets, long itemsInSharedBuckets,
      int allocatedPages, long heapBytes,
      long opsApplied, long rowsUpdated, long lastUpdateMillis, int rememberedOps) implements CborSerializable {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  /** The rows that a batch of gradients produced (patch = {@link RowPatch#toBytes()}). */
  public record DeltasApplied(String opId, long atMillis, byte[] patch) implements Event {}

  public record RowsWritten(String opId, long atMillis, byte[] patch) implements Event {}

  public record OccupantAdded(String opId, int row, boolean resetRow) implements Event {}

  public record OccupantsAdded(List<String> opIds, int[] rows) implements Event {}

  public record OccupantRemoved(String opId, int row) implements Event {}

  /** This range of a new model version became a copy of its parent range. */
  public record Seeded(String parentEntityId, Snapshot state) implements Event {}

  /** What a snapshot stores: the packed rows, occupancy and dedupe window as bytes. */
  public record Snapshot(byte[] rows, byte[] occupancy, List<String> recentOps, long opsApplied, long rowsUpdated,
      long lastUpdateMillis) implements CborSerializable {}

  // ---- state ----

  /** Mutable; changed only by the event handler, row changes inside {@link SharedRows#update}. */
  public static final class State {
    final SharedRows shared;
    final RowBlock block;
    final Occupancy occupancy;
    final RecentOps recentOps;
    long opsApplied;
    long rowsUpdated;
    long lastUpdateMillis;
    /**
     * False for a range of a new version until its {@link Seeded}; version 0 ranges always are. Set on recovery too
     * for a versioned range whose journal holds changes but no Seeded: written before seeding worked (2026-12-06),
     * such a range began empty and was served as it is, so it stays usable as it is.
     */
    boolean seeded;

    State(RowBlock block, Occupancy occupancy, RecentOps recentOps, boolean seeded) {
      this.shared = new SharedRows(block);
      this.block = block;
      this.occupancy = occupancy;
      this.recentOps = recentOps;
      this.seeded = seeded;
    }

    State applyPatch(String opId, long atMillis, byte[] patchBytes) {
      RowPatch patch = RowPatch.fromBytes(patchBytes);
      shared.update(() -> patch.applyTo(block));
      recentOps.remember(opId);
      opsApplied++;
      rowsUpdated += patch.size();
      lastUpdateMillis = Math.max(lastUpdateMillis, atMillis);
      return this;
    }

    State addOccupant(OccupantAdded e) {
      if (e.resetRow()) shared.update(() -> block.resetRow(e.row()));
      occupancy.add(e.row());
      recentOps.remember(e.opId());
      opsApplied++;
      return this;
    }

    State addOccupants(OccupantsAdded e) {
      for (int i = 0; i < e.rows().length; i++) {
        occupancy.add(e.rows()[i]);
        recentOps.remember(e.opIds().get(i));
      }
      opsApplied++;
      return this;
    }

    State removeOccupant(OccupantRemoved e) {
      occupancy.remove(e.row());
      recentOps.remember(e.opId());
      opsApplied++;
      return this;
    }
  }

  // ---- behavior ----

  public static void init(ActorSystem<?> system, StoreSettings settings) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings)));
  }

  public static Behavior<Command> create(String entityId, StoreSettings settings) {
    return Behaviors.setup(ctx -> new BucketRange(entityId, settings, LocalRanges.get(ctx.getSystem()), ctx));
  }

  private final String entityId;
  private final String tier;
  private final int range;
  private final StoreSettings settings;
  private final DeltaKernel kernel;
  private final ItemHasher opSeeds;
  private final LocalRanges localRanges;
  private final akka.actor.typed.javadsl.ActorContext<Command> ctx;
  private final boolean versioned;
  /** A {@link Seed} is receiving the parent's state (not persisted: a restart asks again). */
  private StateTransfer.Received seeding;
  /** The state being sent to a new version's range, while it asks for the chunks. */
  private StateTransfer.Encoded exporting;

  private BucketRange(String entityId, StoreSettings settings, LocalRanges localRanges,
      akka.actor.typed.javadsl.ActorContext<Command> ctx) {
    super(PersistenceId.of(TYPE_KEY.name(), entityId));
    this.entityId = entityId;
    this.tier = StoreLayout.tierOfEntity(entityId);
    this.range = StoreLayout.rangeOfEntity(entityId);
    TierSpec spec = settings.layout().tier(tier);
    if (range >= spec.rangeCount(settings.layout().rowsPerRange())) {
      throw new IllegalArgumentException("tier " + tier + " has no range " + range);
    }
    this.settings = settings;
    this.kernel = new DeltaKernel(settings.optimizer(), settings.layout().dim());
    this.opSeeds = new ItemHasher((int) settings.layout().tableSeed(tier));
    this.localRanges = localRanges;
    this.ctx = ctx;
    this.versioned = StoreLayout.versionOfEntity(entityId) != 0;
  }

  @Override
  public State emptyState() {
    RowBlock block = settings.emptyBlock(tier, range);
    return new State(block, new Occupancy(block.rows()), new RecentOps(settings.dedupWindow()), !versioned);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder.forState(s -> !s.seeded)
        .onCommand(Seed.class, this::onSeed)
        .onCommand(SeedChunk.class, this::onSeedChunk)
        .onCommand(Retire.class, (state, cmd) -> retire(cmd))
        .onCommand(GetSummary.class, (state, cmd) -> Effect().reply(cmd.replyTo(), summary(state)))
        .onCommand(Command.class, (state, cmd) -> Effect().stash());
    // Built from the outer builder: the by-state builder's own build() would leave the unseeded state's handlers out
    // (a new version's range then answered Seed as done, and started empty instead of a copy of its parent).
    builder.forAnyState()
        .onCommand(Seed.class, (state, cmd) -> duplicate(cmd.replyTo(), "seed"))
        .onCommand(SeedChunk.class, (state, cmd) -> Effect().noReply())
        .onCommand(Export.class, this::onExport)
        .onCommand(Retire.class, (state, cmd) -> retire(cmd))
        .onCommand(ReadRows.class, this::onRead)
        .onCommand(ApplyDeltas.class, this::onApplyDeltas)
        .onCommand(WriteRows.class, this::onWriteRows)
        .onCommand(AddOccupant.class, this::onAddOccupant)
        .onCommand(AddOccupants.class, this::onAddOccupants)
        .onCommand(RemoveOccupant.class, this::onRemoveOccupant)
        .onCommand(GetSummary.class, (state, cmd) -> Effect().reply(cmd.replyTo(), summary(state)))
        .onCommand(GetChangedRows.class, (state, cmd) -> Effect().reply(cmd.replyTo(),
            new ChangedRows(StoreLayout.entityId(tier, range), state.block.changedRows())));
    return builder.build();
  }

  private ReplyEffect<Event, State> onSeed(State state, Seed cmd) {
    if (seeding != null) return Effect().stash();
    seeding = new StateTransfer.Received(entityId + "/" + System.nanoTime());
    askChunk(cmd, 0);
    return Effect().noReply();
  }

  private void askChunk(Seed seed, int chunk) {
    String transferId = seeding.transferId;
    ctx.pipeToSelf(BucketRanges.entity(ctx.getSystem(), seed.parentEntityId())
            .<ExportChunk>ask(r -> new Export(transferId, chunk, r), java.time.Duration.ofSeconds(30)),
        (answer, failure) -> new SeedChunk(seed, answer, failure != null ? String.valueOf(failure)
            : answer.error()));
  }

  private ReplyEffect<Event, State> onSeedChunk(State state, SeedChunk loaded) {
    Seed seed = loaded.seed();
    if (seeding == null) return Effect().noReply();
    if (loaded.error() != null) {
      seeding = null;
      // Commands held back stay stashed: the next Seed tries again.
      return rejected(seed.replyTo(), "seed", "seeding from " + seed.parentEntityId() + " failed: " + loaded.error());
    }
    if (!seeding.add(loaded.chunk())) {
      askChunk(seed, seeding.next());
      return Effect().noReply();
    }
    Snapshot copy = seeding.decode(ctx.getSystem(), loaded.chunk());
    if (!seed.copyRows()) {
      copy = new Snapshot(settings.emptyBlock(tier, range).toBytes(), copy.occupancy(), copy.recentOps(),
          copy.opsApplied(), 0, copy.lastUpdateMillis());
    }
    seeding = null;
    return Effect().persist(new Seeded(seed.parentEntityId(), copy))
        .thenRun(s -> localRanges.register(entityId, s.shared))
        .thenReply(seed.replyTo(), s -> new Ack("seed", Outcome.APPLIED, s.block.rows(), null))
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> onExport(State state, Export cmd) {
    if (cmd.chunk() == 0) exporting = StateTransfer.encode(ctx.getSystem(), cmd.transferId(), snapshotOf(state));
    if (exporting == null || !exporting.transferId().equals(cmd.transferId()) || cmd.chunk() >= exporting.chunks()) {
      return Effect().reply(cmd.replyTo(), new ExportChunk(cmd.transferId(), cmd.chunk(), 0, 0, "", new byte[0],
          entityId + " has no chunk " + cmd.chunk() + " of transfer " + cmd.transferId()));
    }
    StateTransfer.Encoded e = exporting;
    boolean last = cmd.chunk() == e.chunks() - 1;
    if (last) exporting = null;
    return Effect().reply(cmd.replyTo(), new ExportChunk(e.transferId(), cmd.chunk(), e.chunks(), e.serializerId(),
        e.manifest(), e.chunk(cmd.chunk()), null));
  }

  private ReplyEffect<Event, State> retire(Retire cmd) {
    return Effect().none().thenStop().thenReply(cmd.replyTo(), s -> new Ack("retire", Outcome.APPLIED, 0, null));
  }

  private ReplyEffect<Event, State> onRead(State state, ReadRows cmd) {
    int dim = state.block.dim();
    String bad = badRows(state, cmd.rows());
    if (bad != null) return Effect().reply(cmd.replyTo(), new RowsRead(dim, cmd.rows(), new short[0], bad));
    short[] values = new short[cmd.rows().length * dim];
    for (int i = 0; i < cmd.rows().length; i++) state.block.readRaw(cmd.rows()[i], values, i * dim);
    return Effect().reply(cmd.replyTo(), new RowsRead(dim, cmd.rows(), values, null));
  }

  private ReplyEffect<Event, State> onApplyDeltas(State state, ApplyDeltas cmd) {
    if (state.recentOps.contains(cmd.opId())) return duplicate(cmd.replyTo(), cmd.opId());
    String bad = badVectors(state, cmd.rows(), cmd.gradients(), "gradients");
    if (bad != null) return rejected(cmd.replyTo(), cmd.opId(), bad);
    RowPatch patch = kernel.adagrad(state.block, cmd.rows(), cmd.gradients(), roundingSeed(cmd.opId()));
    return Effect().persist(new DeltasApplied(cmd.opId(), System.currentTimeMillis(), patch.toBytes()))
        .thenReply(cmd.replyTo(), s -> new Ack(cmd.opId(), Outcome.APPLIED, patch.size(), null));
  }

  private ReplyEffect<Event, State> onWriteRows(State state, WriteRows cmd) {
    if (state.recentOps.contains(cmd.opId())) return duplicate(cmd.replyTo(), cmd.opId());
    String bad = badVectors(state, cmd.rows(), cmd.values(), "values");
    if (bad != null) return rejected(cmd.replyTo(), cmd.opId(), bad);
    RowPatch patch = kernel.write(state.block, cmd.rows(), cmd.values(), settings.initialAccumulator(),
        cmd.resetOptimizer(), roundingSeed(cmd.opId()));
    return Effect().persist(new RowsWritten(cmd.opId(), System.currentTimeMillis(), patch.toBytes()))
        .thenReply(cmd.replyTo(), s -> new Ack(cmd.opId(), Outcome.APPLIED, patch.size(), null));
  }

  private ReplyEffect<Event, State> onAddOccupant(State state, AddOccupant cmd) {
    if (state.recentOps.contains(cmd.opId())) return duplicate(cmd.replyTo(), cmd.opId());
    int[] rows = {cmd.row()};
    String bad = badRows(state, rows);
    if (bad == null && cmd.rowIfAlone() != null) bad = badVectors(state, rows, cmd.rowIfAlone(), "rowIfAlone");
    if (bad != null) return rejected(cmd.replyTo(), cmd.opId(), bad);
    OccupantAdded added = new OccupantAdded(cmd.opId(), cmd.row(), cmd.resetRow());
    if (cmd.rowIfAlone() == null || state.occupancy.count(cmd.row()) > 0) {
      return Effect().persist(added).thenReply(cmd.replyTo(), s -> new Ack(cmd.opId(), Outcome.APPLIED, 1, null));
    }
    RowPatch patch = kernel.write(state.block, rows, cmd.rowIfAlone(), settings.initialAccumulator(), true,
        roundingSeed(cmd.opId()));
    // One atomic write of both events: a replay never sees the count without the row.
    return Effect().persist(List.of(new RowsWritten(cmd.opId(), System.currentTimeMillis(), patch.toBytes()), added))
        .thenReply(cmd.replyTo(), s -> new Ack(cmd.opId(), Outcome.APPLIED, 1, null));
  }

  private ReplyEffect<Event, State> onAddOccupants(State state, AddOccupants cmd) {
    String batchId = cmd.opIds().isEmpty() ? "" : cmd.opIds().get(0) + "+" + (cmd.opIds().size() - 1);
    if (cmd.opIds().size() != cmd.rows().length) {
      return rejected(cmd.replyTo(), batchId, cmd.opIds().size() + " opIds for " + cmd.rows().length + " rows");
    }
    String bad = badRows(state, cmd.rows());
    if (bad != null) return rejected(cmd.replyTo(), batchId, bad);
    // Drop repeats, both of earlier operations and within this batch.
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<String> newOps = new java.util.ArrayList<>();
    int[] newRows = new int[cmd.rows().length];
    for (int i = 0; i < cmd.rows().length; i++) {
      String op = cmd.opIds().get(i);
      if (state.recentOps.contains(op) || !seen.add(op)) continue;
      newRows[newOps.size()] = cmd.rows()[i];
      newOps.add(op);
    }
    if (newOps.isEmpty()) return duplicate(cmd.replyTo(), batchId);
    int counted = newOps.size();
    return Effect().persist(new OccupantsAdded(newOps, java.util.Arrays.copyOf(newRows, counted)))
        .thenReply(cmd.replyTo(), s -> new Ack(batchId, Outcome.APPLIED, counted, null));
  }

  private ReplyEffect<Event, State> onRemoveOccupant(State state, RemoveOccupant cmd) {
    if (state.recentOps.contains(cmd.opId())) return duplicate(cmd.replyTo(), cmd.opId());
    String bad = badRows(state, new int[] {cmd.row()});
    if (bad == null && state.occupancy.count(cmd.row()) == 0) bad = "bucket " + cmd.row() + " has no occupants";
    if (bad != null) return rejected(cmd.replyTo(), cmd.opId(), bad);
    return Effect().persist(new OccupantRemoved(cmd.opId(), cmd.row()))
        .thenReply(cmd.replyTo(), s -> new Ack(cmd.opId(), Outcome.APPLIED, 1, null));
  }

  private ReplyEffect<Event, State> duplicate(ActorRef<Ack> replyTo, String opId) {
    return Effect().reply(replyTo, new Ack(opId, Outcome.DUPLICATE, 0, null));
  }

  private ReplyEffect<Event, State> rejected(ActorRef<Ack> replyTo, String opId, String error) {
    return Effect().reply(replyTo, new Ack(opId, Outcome.REJECTED, 0, entityId + ": " + error));
  }

  private static String badRows(State state, int[] rows) {
    if (rows == null || rows.length == 0) return "no rows given";
    for (int r : rows) {
      if (r < 0 || r >= state.block.rows()) return "row " + r + " outside [0, " + state.block.rows() + ")";
    }
    return null;
  }

  private static String badVectors(State state, int[] rows, float[] values, String field) {
    String bad = badRows(state, rows);
    if (bad != null) return bad;
    int dim = state.block.dim();
    if (values == null || values.length != rows.length * dim) {
      return field + " must hold " + rows.length * dim + " values (" + rows.length + " rows × " + dim + ")";
    }
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) return field + "[" + i + "] is not a finite number";
    }
    return null;
  }

  /** Same batch on the same range → same rounding draws → same rows. */
  private long roundingSeed(String opId) {
    return opSeeds.hash64(entityId + '/' + opId);
  }

  /** The stochastic-rounding seed a range uses for an operation (for replaying a stream outside the actor). */
  public static long roundingSeed(StoreLayout layout, String entityId, String opId) {
    return new ItemHasher((int) layout.tableSeed(StoreLayout.tierOfEntity(entityId))).hash64(entityId + '/' + opId);
  }

  private Summary summary(State s) {
    return new Summary(entityId, tier, range, s.block.rows(), s.block.dim(),
        s.occupancy.items(), s.occupancy.occupiedBuckets(), s.occupancy.itemsInSharedBuckets(),
        s.block.allocatedPages(), s.block.heapBytes() + s.occupancy.heapBytes(),
        s.opsApplied, s.rowsUpdated, s.lastUpdateMillis, s.recentOps.size());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(DeltasApplied.class, (s, e) -> s.applyPatch(e.opId(), e.atMillis(), e.patch()))
        .onEvent(RowsWritten.class, (s, e) -> s.applyPatch(e.opId(), e.atMillis(), e.patch()))
        .onEvent(OccupantAdded.class, State::addOccupant)
        .onEvent(OccupantsAdded.class, State::addOccupants)
        .onEvent(OccupantRemoved.class, State::removeOccupant)
        .onEvent(Seeded.class, (s, e) -> stateOf(e.state()))
        .build();
  }

  /** Same-node readers see the rows once recovery is complete, and no longer once the entity stops. */
  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          if (!s.seeded && s.opsApplied > 0) {
            ctx.getLog().warn("{}: changes without a seed (a version made before seeding copied its parent): kept as "
                + "it is, not a copy of its parent", entityId);
            s.seeded = true;
          }
          if (s.seeded) localRanges.register(entityId, s.shared);
        })
        .onSignal(PostStop.instance(), s -> localRanges.unregister(entityId, s.shared))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Deleting covered events keeps the journal bounded under a continuous stream of deltas.
    return RetentionCriteria.snapshotEvery(settings.snapshotEveryEvents(), settings.keepSnapshots())
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State s) {
        return snapshotOf(s);
      }

      @Override
      public State fromJournal(Object from) {
        return stateOf((Snapshot) from);
      }
    };
  }

  private static Snapshot snapshotOf(State s) {
    return new Snapshot(s.block.toBytes(), s.occupancy.toBytes(), s.recentOps.oldestFirst(),
        s.opsApplied, s.rowsUpdated, s.lastUpdateMillis);
  }

  /** A state from a snapshot: this range's own, or (seeding a new version) its parent's, which has the same layout. */
  private State stateOf(Snapshot snap) {
    StoreLayout layout = settings.layout();
    RowBlock block = RowBlock.fromBytes(snap.rows(), layout.tableSeed(tier), (long) range * layout.rowsPerRange(),
        layout.initStd(tier), settings.initialAccumulator());
    State s = new State(block, Occupancy.fromBytes(snap.occupancy()),
        RecentOps.of(settings.dedupWindow(), snap.recentOps()), true);
    s.opsApplied = snap.opsApplied();
    s.rowsUpdated = snap.rowsUpdated();
    s.lastUpdateMillis = snap.lastUpdateMillis();
    return s;
  }
}
