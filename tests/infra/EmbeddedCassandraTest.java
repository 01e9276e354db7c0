package infra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import org.junit.jupiter.api.Test;
import testkit.TestServers;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedCassandraTest {

    static CqlSession connect(EmbeddedCassandra c) {
        return c.newSession();
    }

    @Test
    void writesAndReadsARow() {
        EmbeddedCassandra c = TestServers.cassandra();
        assertEquals("127.0.0.1:" + c.cqlPort(), c.contactPoint());
        assertEquals("datacenter1", c.localDatacenter());
        try (CqlSession s = connect(c)) {
            Row version = s.execute("SELECT release_version FROM system.local").one();
            assertNotNull(version);
            assertEquals("5.0.9", version.getString("release_version"));
            s.execute("CREATE KEYSPACE IF NOT EXISTS infra_test WITH replication = "
                    + "{'class': 'SimpleStrategy', 'replication_factor': 1}");
            s.execute("CREATE TABLE IF NOT EXISTS infra_test.kv (k text PRIMARY KEY, v int)");
            s.execute("INSERT INTO infra_test.kv (k, v) VALUES (?, ?)", "answer", 42);
            Row row = s.execute("SELECT v FROM infra_test.kv WHERE k = ?", "answer").one();
            assertNotNull(row);
            assertEquals(42, row.getInt("v"));
        }
    }

    @Test
    void dataSurvivesARestartOnTheSameFolder() {
        Path dir = TestServers.newDir("cassandra-restart");
        int[] ports = FreePorts.pick(2);
        try (EmbeddedCassandra c = EmbeddedCassandra.start(dir, ports[0], ports[1], TestServers.classpathCache());
             CqlSession s = connect(c)) {
            s.execute("CREATE KEYSPACE restart_test WITH replication = "
                    + "{'class': 'SimpleStrategy', 'replication_factor': 1}");
            s.execute("CREATE TABLE restart_test.kv (k text PRIMARY KEY, v text)");
            s.execute("INSERT INTO restart_test.kv (k, v) VALUES ('durable', 'yes')");
        }
        assertFalse(java.nio.file.Files.exists(dir.resolve("cassandra.pid")));
        int[] again = FreePorts.pick(2); // other ports on purpose: only the folder carries the state
        try (EmbeddedCassandra c = EmbeddedCassandra.start(dir, again[0], again[1], TestServers.classpathCache());
             CqlSession s = connect(c)) {
            assertTrue(c.isRunning());
            Row row = s.execute("SELECT v FROM restart_test.kv WHERE k = 'durable'").one();
            assertNotNull(row, "row lost across the restart");
            assertEquals("yes", row.getString("v"));
        }
    }
}
