package app;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.internal.core.config.typesafe.DefaultDriverConfigLoader;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** The cheapest questions that tell whether Cassandra and Kafka answer (for {@link service.Dependency}). */
final class Probes implements AutoCloseable {

  private final CqlSession cassandra;
  private final Admin kafkaAdmin; // null without Kafka

  private Probes(CqlSession cassandra, Admin kafkaAdmin) {
    this.cassandra = cassandra;
    this.kafkaAdmin = kafkaAdmin;
  }

  /**
   * @param config the node's wired configuration: Cassandra's contact points in {@code datastax-java-driver}
   * @param kafkaBootstrapServers null or blank without Kafka
   */
  static Probes create(Config config, String kafkaBootstrapServers, Duration timeout) {
    int ms = (int) timeout.toMillis();
    // A session of its own, one connection, no throttler: a probe must not queue behind the node's own load in the
    // main session's throttler, or a busy node would read as Cassandra away.
    Config probeDriver = ConfigFactory.parseMap(Map.of(
        "datastax-java-driver.advanced.throttler.class", "PassThroughRequestThrottler",
        "datastax-java-driver.advanced.connection.pool.local.size", 1,
        "datastax-java-driver.basic.session-name", "thermocline-probe")).withFallback(config);
    CqlSession session = CqlSession.builder()
        .withConfigLoader(new DefaultDriverConfigLoader(() -> probeDriver.getConfig(DefaultDriverConfigLoader.DEFAULT_ROOT_PATH)))
        .build();
    Admin admin = kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank() ? null : Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers,
        AdminClientConfig.CLIENT_ID_CONFIG, "thermocline-probe",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms));
    return new Probes(session, admin);
  }

  /** One row of the node's own system.local: answered by the coordinator alone. */
  Supplier<CompletionStage<?>> cassandra(Duration timeout) {
    SimpleStatement probe = SimpleStatement.newInstance("SELECT release_version FROM system.local").setTimeout(timeout);
    return () -> cassandra.executeAsync(probe);
  }

  /** The cluster's id, asked of a broker. */
  Supplier<CompletionStage<?>> kafka(Duration timeout) {
    DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) timeout.toMillis());
    return () -> kafkaAdmin.describeCluster(options).clusterId().toCompletionStage();
  }

  @Override
  public void close() {
    if (kafkaAdmin != null) kafkaAdmin.close(Duration.ofSeconds(2));
    cassandra.close();
  }
}
