package learner;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import model.InteractionWeights;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import streams.BadRecord;
import streams.Interaction;
import streams.InteractionCodec;

/**
 * The positives of a training window, read from the interactions topic itself by time: each partition from the
 * first offset whose record time is at or after {@code from} (Kafka's offsets-for-times) to the end offsets when
 * the read starts, or to the first record after {@code to}. The topic is the log of record: the window needs a
 * retention at least as long (Kafka's default, 7 days, is the default window). Records are read by a consumer
 * without a group (assigned partitions, nothing committed), so the online consumers are not disturbed.
 *
 * <p>Memory: at most {@code maxPositives} positives are kept, a uniform sample of the window when it holds more
 * (reservoir sampling): full retraining shuffles the window anyway, a uniform sample is its prefix.
 */
final class TrainingWindow {

  /**
   * What was read: the positives (a uniform sample if capped), counts for the run's report, and where the window
   * ended in each partition (the first offset after it: the first record after {@code to}, else the end offset
   * when the read started).
   */
  record Read(List<Positive> positives, long records, long positivesSeen, long unreadable,
      Map<Integer, Long> endOffsets) {}

  private TrainingWindow() {}

  /**
   * @param cancelled checked between polls: a cancelled read stops early with what it has
   * @param progress called with the records read so far, after every poll
   */
  static Read read(String bootstrapServers, String topic, Instant from, Instant to, int maxPositives, long seed,
      InteractionWeights weights, BooleanSupplier cancelled, java.util.function.LongConsumer progress) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Long> times = partitions.stream()
          .collect(Collectors.toMap(tp -> tp, tp -> from.toEpochMilli()));
      Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
      Map<TopicPartition, Long> remaining = new HashMap<>();
      Map<TopicPartition, Long> windowEnd = new HashMap<>(end);
      for (TopicPartition tp : partitions) {
        OffsetAndTimestamp start = starts.get(tp);
        long first = start == null ? end.get(tp) : start.offset(); // null: nothing at or after `from`
        if (first < end.get(tp)) {
          consumer.seek(tp, first);
          remaining.put(tp, end.get(tp));
        }
      }
      consumer.pause(partitions.stream().filter(tp -> !remaining.containsKey(tp)).toList());
      Random random = new Random(seed);
      List<Positive> kept = new ArrayList<>();
      long records = 0;
      long seen = 0;
      long unreadable = 0;
      while (!remaining.isEmpty() && !cancelled.getAsBoolean()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Long stop = remaining.get(tp);
          if (stop == null) continue;
          if (r.offset() >= stop || r.timestamp() > to.toEpochMilli()) {
            if (r.offset() < stop) windowEnd.put(tp, r.offset());
            done(consumer, remaining, tp);
            continue;
          }
          records++;
          if (r.offset() + 1 >= stop) done(consumer, remaining, tp);
          Interaction event;
          try {
            event = InteractionCodec.parse(r.value());
          } catch (BadRecord bad) {
            unreadable++; // the online consumers dead-letter it
            continue;
          }
          double w = weights.weight(event.type().wireName());
          if (w <= 0) continue;
          seen++;
          Positive p = new Positive(event, w, r.offset());
          if (kept.size() < maxPositives) {
            kept.add(p);
          } else {
            long slot = (long) (random.nextDouble() * seen);
            if (slot < maxPositives) kept.set((int) slot, p);
          }
        }
        progress.accept(records);
      }
      Map<Integer, Long> endOffsets = new HashMap<>();
      windowEnd.forEach((tp, o) -> endOffsets.put(tp.partition(), o));
      return new Read(kept, records, seen, unreadable, endOffsets);
    }
  }

  private static void done(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> remaining,
      TopicPartition tp) {
    if (remaining.remove(tp) != null) consumer.pause(Set.of(tp));
  }
}
