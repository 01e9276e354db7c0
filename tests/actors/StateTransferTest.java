package actors;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A range's state sent in chunks below the remote frame size arrives whole, and only in order. */
class StateTransferTest {

  private static final ActorTestKit KIT = ActorTestKit.create(com.typesafe.config.ConfigFactory.parseString(
      "akka.actor.serialization-bindings { \"actors.CborSerializable\" = jackson-cbor }"));

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void aStateOfSeveralChunksIsReassembledExactly() {
    byte[] rows = new byte[StateTransfer.CHUNK_BYTES * 2 + 1234];
    new Random(3).nextBytes(rows);
    BucketRange.Snapshot state = new BucketRange.Snapshot(rows, new byte[] {1, 2, 3}, List.of("op-1", "op-2"), 7, 11,
        13);
    StateTransfer.Encoded encoded = StateTransfer.encode(KIT.system(), "t1", state);
    assertTrue(encoded.chunks() >= 3, "chunks: " + encoded.chunks());
    StateTransfer.Received received = new StateTransfer.Received("t1");
    BucketRange.ExportChunk last = null;
    for (int i = 0; i < encoded.chunks(); i++) {
      byte[] bytes = encoded.chunk(i);
      assertTrue(bytes.length <= StateTransfer.CHUNK_BYTES);
      last = new BucketRange.ExportChunk("t1", i, encoded.chunks(), encoded.serializerId(), encoded.manifest(), bytes,
          null);
      assertEquals(i == encoded.chunks() - 1, received.add(last));
    }
    BucketRange.Snapshot copy = received.decode(KIT.system(), last);
    assertArrayEquals(rows, copy.rows());
    assertArrayEquals(new byte[] {1, 2, 3}, copy.occupancy());
    assertEquals(List.of("op-1", "op-2"), copy.recentOps());
    assertEquals(7, copy.opsApplied());
    assertEquals(11, copy.rowsUpdated());
    assertEquals(13, copy.lastUpdateMillis());

    StateTransfer.Received outOfOrder = new StateTransfer.Received("t1");
    BucketRange.ExportChunk second = new BucketRange.ExportChunk("t1", 1, encoded.chunks(), encoded.serializerId(),
        encoded.manifest(), encoded.chunk(1), null);
    assertThrows(IllegalStateException.class, () -> outOfOrder.add(second));
    assertThrows(IllegalArgumentException.class, () -> encoded.chunk(encoded.chunks()));
  }
}
