package actors;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import java.time.Duration;
import java.util.Map;
import testkit.DeltaStream;
import testkit.TestNodes;

/**
 * Child-JVM node for the crash test: sends the deterministic delta stream to one range, one batch at a time,
 * and prints {@code ACK <batch>} once each batch is acknowledged (i.e. persisted). Killed with SIGKILL by the
 * test at some point.
 *
 * <p>Args: journal name, Cassandra contact point, data folder, entity id, batch count.
 */
public final class DeltaStreamerMain {

  public static void main(String[] args) throws Exception {
    String name = args[0];
    String entityId = args[3];
    int batches = Integer.parseInt(args[4]);
    Node node = Node.start(TestNodes.config(name, args[1], args[2], Map.of()));
    int dim = node.settings().store().layout().dim();
    var range = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, entityId);
    System.out.println("READY");
    System.out.flush();
    for (int b = 0; b < batches; b++) {
      int batch = b;
      BucketRange.Ack ack = range.<BucketRange.Ack>ask(r -> DeltaStream.command(batch, dim, r), Duration.ofSeconds(30))
          .toCompletableFuture().join();
      if (!ack.persisted()) throw new IllegalStateException(ack.toString());
      System.out.println("ACK " + b);
      System.out.flush();
    }
    System.out.println("DONE");
    System.out.flush();
    node.close();
  }
}
