package learner;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import model.InteractionWeights;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Learner batches are bounded by positives as well as records; impressions and bad records cost nothing. */
class PositiveBudgetTest {

  private static final ActorSystem<Void> SYSTEM = ActorSystem.create(Behaviors.empty(), "positive-budget");
  private static final PositiveBudget BUDGET = new PositiveBudget(InteractionWeights.defaults());

  @AfterAll
  static void stop() {
    SYSTEM.terminate();
  }

  @Test
  void positivesCostOneAndEverythingElseNothing() {
    assertEquals(1, BUDGET.cost(record(0, "like")));
    assertEquals(1, BUDGET.cost(record(0, "click")));
    assertEquals(0, BUDGET.cost(record(0, "impression")));
    assertEquals(0, BUDGET.cost(new ConsumerRecord<>("t", 0, 0, null, "{not json".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aBatchEndsAtItsPositivesBudgetOrItsRecordLimit() throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 12; i++) records.add(record(i, "like"));        // 12 positives: batches of 4
    for (int i = 12; i < 32; i++) records.add(record(i, "impression")); // 20 impressions: batches of 10 records
    LearnerSettings settings = settings(10, 4);
    List<List<ConsumerRecord<byte[], byte[]>>> batches = Source.from(records).via(BUDGET.batches(settings))
        .runWith(Sink.seq(), SYSTEM).toCompletableFuture().get();
    List<Integer> sizes = batches.stream().map(List::size).toList();
    assertEquals(List.of(4, 4, 4, 10, 10), sizes);
    long offset = 0;
    for (List<ConsumerRecord<byte[], byte[]>> b : batches) {
      for (ConsumerRecord<byte[], byte[]> r : b) assertEquals(offset++, r.offset(), "records keep their order");
    }
  }

  private static LearnerSettings settings(int batchSize, int batchPositives) {
    return new LearnerSettings(true, "learner", 0.1f, batchSize, batchPositives, Duration.ofSeconds(30), 128, 0,
        4096, 4, 2048, 0, false, true, new LearnerSettings.History(50, 1000, 1000, Duration.ofDays(1)));
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, String type) {
    String json = "{\"userId\": \"u" + offset + "\", \"itemId\": \"v\", \"type\": \"" + type + "\", \"ts\": 1}";
    return new ConsumerRecord<>("t", 0, offset, null, json.getBytes(StandardCharsets.UTF_8));
  }
}
