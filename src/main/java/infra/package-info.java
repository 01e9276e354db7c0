/**
 * Real Apache Cassandra 5.0.9 and Apache Kafka 3.9.2 (KRaft) as child JVMs, for the default single-node run
 * and for tests.
 *
 * <ul>
 *   <li>{@link infra.ServerClasspath} resolves each server's class path from a tiny pom shipped as a resource
 *       ({@code infra/cassandra/pom.xml}, {@code infra/kafka/pom.xml}) with {@code mvn dependency:build-classpath},
 *       cached by the pom's SHA-256, so the servers' guava/netty/jackson/scala never meet the application's.</li>
 *   <li>{@link infra.ChildJvm} starts a {@code java} child with a log and a pid file, stops its process tree, and
 *       makes sure children do not outlive the parent: {@code close()}, a shutdown hook,
 *       {@link infra.ParentWatch} (the child exits when its stdin pipe from the parent closes, even after
 *       {@code kill -9}) and {@link infra.ChildJvm#killStale} at the next start.</li>
 *   <li>{@link infra.EmbeddedCassandra} and {@link infra.EmbeddedKafka} own a folder each (same folder, same data)
 *       and return once the server answers a real client (DataStax driver / Kafka {@code Admin}).</li>
 * </ul>
 *
 * <p>Knobs: {@code THERMOCLINE_MVN} (Maven command), {@code THERMOCLINE_JAVA} (the children's {@code java}),
 * {@code -Dthermocline.cassandra.jvm-options} / {@code -Dthermocline.kafka.jvm-options} (extra JVM options, e.g.
 * a bigger heap), {@code -Dthermocline.cds=false} (no class-data-sharing archive for Cassandra).
 */
package infra;
