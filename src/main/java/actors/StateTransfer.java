package actors;

import akka.actor.typed.ActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A bucket range's whole state sent in chunks (seeding a new model version's range from its parent, possibly on
 * another node): a range is megabytes, a remote message at most Artery's frame size (256 KiB by default). The
 * parent serializes its snapshot once per transfer (with the snapshot's own serializer) and answers chunks of that
 * one encoding, so the copy is of one moment even while the parent goes on learning; the receiver appends the
 * chunks and decodes them when the last is in.
 */
final class StateTransfer {

  /** Well under the default frame size, with room for the envelope. */
  static final int CHUNK_BYTES = 128 * 1024;

  /** One encoded state, held by the sender while its chunks are asked for. */
  record Encoded(String transferId, int serializerId, String manifest, byte[] bytes) {
    int chunks() {
      return Math.max(1, (bytes.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    byte[] chunk(int i) {
      int from = i * CHUNK_BYTES;
      if (i < 0 || i >= chunks()) throw new IllegalArgumentException("no chunk " + i + " of " + chunks());
      return Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + CHUNK_BYTES));
    }
  }

  private StateTransfer() {}

  static Encoded encode(ActorSystem<?> system, String transferId, BucketRange.Snapshot snapshot) {
    Serialization serialization = SerializationExtension.get(system);
    Serializer serializer = serialization.findSerializerFor(snapshot);
    return new Encoded(transferId, serializer.identifier(), Serializers.manifestFor(serializer, snapshot),
        serializer.toBinary(snapshot));
  }

  /** The chunks received so far of one transfer. */
  static final class Received {
    final String transferId;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private int next;

    Received(String transferId) {
      this.transferId = transferId;
    }

    int next() {
      return next;
    }

    /** Appends chunk {@code next}; true when it was the last. */
    boolean add(BucketRange.ExportChunk chunk) {
      if (chunk.chunk() != next) throw new IllegalStateException("chunk " + chunk.chunk() + " while " + next + " was due");
      bytes.writeBytes(chunk.bytes());
      next++;
      return next == chunk.chunks();
    }

    BucketRange.Snapshot decode(ActorSystem<?> system, BucketRange.ExportChunk last) {
      return (BucketRange.Snapshot) SerializationExtension.get(system)
          .deserialize(bytes.toByteArray(), last.serializerId(), last.manifest()).get();
    }
  }
}
