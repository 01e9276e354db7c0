package storage;

import akka.actor.typed.ActorSystem;
import akka.persistence.cassandra.KeyspaceAndTableStatements;
import akka.persistence.cassandra.PluginSettings;
import com.datastax.oss.driver.api.core.CqlSession;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the event journal's and snapshot store's keyspaces and tables (idempotent) before any entity
 * starts: the plugin's lazy auto-creation races the first recovery, which then fails with "keyspace does not
 * exist" and stops the entity.
 */
public final class JournalSchema {

  private static final String PLUGIN = "akka.persistence.cassandra";

  private JournalSchema() {}

  public static void create(ActorSystem<?> system, CqlSession session) {
    var classic = system.classicSystem();
    var settings = PluginSettings.apply(classic, classic.settings().config().getConfig(PLUGIN));
    var statements = new KeyspaceAndTableStatements(classic, PLUGIN, settings);
    List<String> all = new ArrayList<>();
    all.add(statements.createJournalKeyspaceStatement());
    all.addAll(statements.getCreateJournalTablesStatements());
    all.add(statements.createSnapshotKeyspaceStatement());
    all.addAll(statements.getCreateSnapshotTablesStatements());
    for (String cql : all) session.execute(cql);
  }
}
