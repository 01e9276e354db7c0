package service;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;

/**
 * One {@code POST /v1/items:batch}: each entry validated on its own, then repeats of an itemId merged before any
 * work (the last valid entry wins, as if sent one after another), so each id costs one registration. 1,000 copies
 * of one id used to run 1,000 registration rounds one after another (9.5 s) and hold the node's registrations.
 */
public final class ItemBatch {

  /** Registers one item (the node's registration queue). */
  @FunctionalInterface
  public interface Registrar {
    CompletionStage<ItemService.Registered> register(String itemId, ItemRecord.ItemMetadata metadata);
  }

  /** An entry not registered, with why. */
  public record Rejected(int index, String error) {}

  /**
   * What happened to one itemId of the batch.
   *
   * @param index the entry that was registered (the last valid one of the id)
   * @param superseded earlier valid entries of the same id, merged into {@code index}'s
   * @param status {@code created}, {@code updated} or {@code failed}
   * @param error why it failed; null otherwise
   */
  public record Outcome(String itemId, int index, List<Integer> superseded, String status, String error) {}

  /**
   * @param accepted entries whose id was registered (superseded ones included: their id got the later value)
   * @param rejected invalid entries, and every entry of an id whose registration failed, by index
   * @param outcomes one per valid itemId, in order of first appearance
   */
  public record Result(int accepted, List<Rejected> rejected, List<Outcome> outcomes) {}

  /** The valid entries of an id, the last one to register. */
  record Merged(String itemId, ItemRecord.ItemMetadata metadata, int index, List<Integer> superseded) {}

  /** Entries parsed and merged: no store is touched. */
  record Plan(List<Merged> items, List<Rejected> invalid) {}

  private ItemBatch() {}

  static Plan plan(JsonNode list, ItemRequests requests) {
    Map<String, List<Integer>> indexes = new LinkedHashMap<>();
    Map<String, ItemRequests.ItemInput> last = new LinkedHashMap<>();
    List<Rejected> invalid = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      try {
        ItemRequests.ItemInput input = requests.parse(list.get(i), "items[" + i + "].");
        indexes.computeIfAbsent(input.itemId(), id -> new ArrayList<>()).add(i);
        last.put(input.itemId(), input);
      } catch (ApiError e) {
        invalid.add(new Rejected(i, (e.field() == null ? "" : e.field() + ": ") + e.getMessage()));
      }
    }
    List<Merged> items = new ArrayList<>(last.size());
    indexes.forEach((id, at) -> items.add(new Merged(id, last.get(id).metadata(), at.get(at.size() - 1),
        List.copyOf(at.subList(0, at.size() - 1)))));
    return new Plan(items, invalid);
  }

  /** Validates, merges and registers {@code list} (a JSON array of items); never fails for one item's failure. */
  public static CompletionStage<Result> register(JsonNode list, ItemRequests requests, Registrar registrar) {
    Plan plan = plan(list, requests);
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(plan.items().size());
    for (Merged m : plan.items()) {
      CompletionStage<ItemService.Registered> registered;
      try {
        registered = registrar.register(m.itemId(), m.metadata());
      } catch (RuntimeException e) {
        registered = CompletableFuture.failedFuture(e);
      }
      outcomes.add(registered.handle((reg, failure) -> failure == null
              ? new Outcome(m.itemId(), m.index(), m.superseded(), reg.created() ? "created" : "updated", null)
              : new Outcome(m.itemId(), m.index(), m.superseded(), "failed", reason(failure)))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(done -> {
      List<Rejected> rejected = new ArrayList<>(plan.invalid());
      List<Outcome> results = new ArrayList<>(outcomes.size());
      int accepted = 0;
      for (CompletableFuture<Outcome> f : outcomes) {
        Outcome o = f.join();
        results.add(o);
        int entries = 1 + o.superseded().size();
        if (o.error() == null) {
          accepted += entries;
        } else {
          rejected.add(new Rejected(o.index(), o.error()));
          for (int i : o.superseded()) rejected.add(new Rejected(i, o.error()));
        }
      }
      rejected.sort(Comparator.comparingInt(Rejected::index));
      return new Result(accepted, List.copyOf(rejected), List.copyOf(results));
    });
  }

  private static String reason(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    if (t instanceof ApiError e) return e.getMessage();
    return t instanceof ItemService.Overloaded ? "overloaded, retry later" : "not stored, retry: " + t.getClass().getSimpleName();
  }
}
