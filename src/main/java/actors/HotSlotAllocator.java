package actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import embedding.SlotTable;
import embedding.StoreLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Exclusive (collisionless) slots of one range of the hot tier, entity id = the range number. Gives each
 * promoted item a slot of its own and frees it on demotion. A slot is answered only after its row in the
 * {@link BucketRange} has been reset (fresh row, fresh optimizer state, occupancy 1), so a reused slot never
 * inherits anything from its previous owner; unconfirmed claims and releases are resent after a restart.
 */
public final class HotSlotAllocator extends EventSourcedBehaviorWithEnforcedReplies<
    HotSlotAllocator.Command, HotSlotAllocator.Event, SlotTable> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "HotSlotAllocator");
  private static final Duration ROW_STORE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  public record Allocate(String itemId, ActorRef<Allocation> replyTo) implements Command {}

  public record Release(String itemId, ActorRef<Allocation> replyTo) implements Command {}

  public record Lookup(String itemId, ActorRef<Allocation> replyTo) implements Command {}

  /** Operator view ({@code GET /admin/entities/hot-slot-allocator/{range}}). */
  public record GetSummary(ActorRef<Summary> replyTo) implements Command {}

  /** {@code pending}: claims and releases the row store has not confirmed yet. */
  public record Summary(int range, int slots, int owned, int pending) implements CborSerializable {}

  /** The row store confirmed (or failed) the claim or release of a slot. */
  record RowStoreAnswered(int slot, long seq, boolean ok, String error) implements Command {}

  /** Time to resend an unconfirmed claim or release. */
  record Resend(int slot, long seq) implements Command {}

  public enum Status { ALLOCATED, RELEASED, NOT_FOUND, FULL }

  /** {@code slot} is the row within the range; -1 when not found or full. */
  public record Allocation(String itemId, int range, int slot, Status status) implements CborSerializable {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record SlotAssigned(String itemId, int slot, long seq) implements Event {}

  public record SlotClaimed(int slot, long seq) implements Event {}

  public record SlotReleased(String itemId, int slot, long seq) implements Event {}

  public record SlotFreed(int slot, long seq) implements Event {}

  public record Snapshot(SlotTable.Image table) implements CborSerializable {}

  // ---- behavior ----

  public static void init(ActorSystem<?> system, StoreLayout layout) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY,
        ctx -> create(Integer.parseInt(ctx.getEntityId()), layout)));
  }

  public static Behavior<Command> create(int range, StoreLayout layout) {
    return Behaviors.setup(ctx -> new HotSlotAllocator(ctx, range, layout));
  }

  private final ActorContext<Command> ctx;
  private final int range;
  private final int slots;
  private final String rangeEntityId;
  private final BucketRanges rowStore;
  /** Callers waiting for a claim or release to be confirmed; not persisted: a lost waiter asks again. */
  private final Map<Integer, List<ActorRef<Allocation>>> waiting = new HashMap<>();

  private HotSlotAllocator(ActorContext<Command> ctx, int range, StoreLayout layout) {
    super(PersistenceId.of(TYPE_KEY.name(), Integer.toString(range)));
    String hotTier = layout.hotTier().name();
    if (range < 0 || range >= layout.rangeCount(hotTier)) {
      throw new IllegalArgumentException("hot tier has no range " + range);
    }
    this.ctx = ctx;
    this.range = range;
    this.slots = layout.rangeSize(hotTier, range);
    this.rangeEntityId = StoreLayout.entityId(hotTier, range);
    this.rowStore = new BucketRanges(ctx.getSystem(), layout, ROW_STORE_TIMEOUT);
  }

  @Override
  public SlotTable emptyState() {
    return new SlotTable(slots);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, SlotTable> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Allocate.class, this::onAllocate)
        .onCommand(Release.class, this::onRelease)
        .onCommand(Lookup.class, (t, cmd) -> Effect().reply(cmd.replyTo(), lookup(t, cmd.itemId())))
        .onCommand(GetSummary.class, (t, cmd) -> Effect().reply(cmd.replyTo(),
            new Summary(range, t.slots(), t.owned(), t.pending().size())))
        .onCommand(RowStoreAnswered.class, this::onRowStoreAnswered)
        .onCommand(Resend.class, (t, cmd) -> {
          if (isPending(t, cmd.slot(), cmd.seq())) sendToRowStore(t.pendingOf(cmd.slot()));
          return Effect().noReply();
        })
        .build();
  }

  private ReplyEffect<Event, SlotTable> onAllocate(SlotTable table, Allocate cmd) {
    OptionalInt existing = table.slotOf(cmd.itemId());
    if (existing.isPresent()) {
      int slot = existing.getAsInt();
      if (table.status(slot) == SlotTable.Status.OWNED) {
        return Effect().reply(cmd.replyTo(), new Allocation(cmd.itemId(), range, slot, Status.ALLOCATED));
      }
      waiting.computeIfAbsent(slot, s -> new ArrayList<>()).add(cmd.replyTo());
      return Effect().noReply();
    }
    OptionalInt free = table.findFree();
    if (free.isEmpty()) return Effect().reply(cmd.replyTo(), new Allocation(cmd.itemId(), range, -1, Status.FULL));
    int slot = free.getAsInt();
    waiting.computeIfAbsent(slot, s -> new ArrayList<>()).add(cmd.replyTo());
    return Effect().persist(new SlotAssigned(cmd.itemId(), slot, table.nextSeq()))
        .thenRun(t -> sendToRowStore(t.pendingOf(slot)))
        .thenNoReply();
  }

  private ReplyEffect<Event, SlotTable> onRelease(SlotTable table, Release cmd) {
    OptionalInt existing = table.slotOf(cmd.itemId());
    if (existing.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Allocation(cmd.itemId(), range, -1, Status.NOT_FOUND));
    }
    int slot = existing.getAsInt();
    waiting.computeIfAbsent(slot, s -> new ArrayList<>()).add(cmd.replyTo());
    return Effect().persist(new SlotReleased(cmd.itemId(), slot, table.nextSeq()))
        .thenRun(t -> sendToRowStore(t.pendingOf(slot)))
        .thenNoReply();
  }

  private ReplyEffect<Event, SlotTable> onRowStoreAnswered(SlotTable table, RowStoreAnswered answer) {
    if (!isPending(table, answer.slot(), answer.seq())) return Effect().noReply();
    if (!answer.ok()) {
      ctx.getLog().warn("{}: row store did not confirm slot {} ({}); retrying", rangeEntityId, answer.slot(),
          answer.error());
      ctx.scheduleOnce(RETRY_AFTER, ctx.getSelf(), new Resend(answer.slot(), answer.seq()));
      return Effect().noReply();
    }
    int slot = answer.slot();
    if (table.status(slot) == SlotTable.Status.CLAIMING) {
      String owner = table.owner(slot);
      return Effect().persist(new SlotClaimed(slot, answer.seq()))
          .thenRun(t -> answerWaiting(slot, new Allocation(owner, range, slot, Status.ALLOCATED)))
          .thenNoReply();
    }
    return Effect().persist(new SlotFreed(slot, answer.seq()))
        .thenRun(t -> answerWaiting(slot, new Allocation(null, range, slot, Status.RELEASED)))
        .thenNoReply();
  }

  private static boolean isPending(SlotTable table, int slot, long seq) {
    SlotTable.Status status = table.status(slot);
    return (status == SlotTable.Status.CLAIMING || status == SlotTable.Status.RELEASING)
        && table.pendingOf(slot).seq() == seq;
  }

  private Allocation lookup(SlotTable table, String itemId) {
    OptionalInt slot = table.slotOf(itemId);
    if (slot.isPresent() && table.status(slot.getAsInt()) == SlotTable.Status.OWNED) {
      return new Allocation(itemId, range, slot.getAsInt(), Status.ALLOCATED);
    }
    return new Allocation(itemId, range, -1, Status.NOT_FOUND);
  }

  private void answerWaiting(int slot, Allocation answer) {
    List<ActorRef<Allocation>> replyTos = waiting.remove(slot);
    if (replyTos == null) return;
    replyTos.forEach(r -> r.tell(answer));
  }

  /** Claim: reset the row and count the owner; release: uncount. Both idempotent by operation id. */
  private void sendToRowStore(SlotTable.Pending p) {
    var answer = p.status() == SlotTable.Status.CLAIMING
        ? rowStore.addOccupant(rangeEntityId, p.opId(), p.slot(), true, null)
        : rowStore.removeOccupant(rangeEntityId, p.opId(), p.slot());
    ctx.pipeToSelf(answer, (ack, failure) -> {
      if (failure != null) return new RowStoreAnswered(p.slot(), p.seq(), false, failure.toString());
      // A duplicate means the row store already applied this very operation.
      return new RowStoreAnswered(p.slot(), p.seq(), ack.persisted(), ack.error());
    });
  }

  @Override
  public EventHandler<SlotTable, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(SlotAssigned.class, (t, e) -> { t.assign(e.itemId(), e.slot(), e.seq()); return t; })
        .onEvent(SlotClaimed.class, (t, e) -> { t.claimed(e.slot()); return t; })
        .onEvent(SlotReleased.class, (t, e) -> { t.release(e.itemId(), e.slot(), e.seq()); return t; })
        .onEvent(SlotFreed.class, (t, e) -> { t.freed(e.slot()); return t; })
        .build();
  }

  @Override
  public SignalHandler<SlotTable> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), t -> t.pending().forEach(this::sendToRowStore))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<SlotTable> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(SlotTable t) {
        return new Snapshot(t.image());
      }

      @Override
      public SlotTable fromJournal(Object from) {
        return SlotTable.fromImage(((Snapshot) from).table());
      }
    };
  }
}
