package app;

import service.FusionService;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the placement guard records: besides where rows live, what every table's never-written rows read as. */
class PlacementSettingsTest {

  @Test
  void everyTablesInitIsRecordedSoAChangedOneRefusesExistingData() {
    Map<String, String> defaults = Node.placement(Settings.from(ConfigFactory.load()));
    assertEquals("0.0", defaults.get("store.table." + FusionService.USERS + ".init-std"), "user-ID rows start at 0");
    assertEquals("0.05", defaults.get("store.table.cold.init-std"), "item tiers take the store's init-std");
    assertEquals("0.0", defaults.get("store.table.features.init-std"));

    Map<String, String> changed = Node.placement(Settings.from(ConfigFactory.parseString(
        "thermocline.store.init-std = 0.01").withFallback(ConfigFactory.load())));
    assertEquals("0.01", changed.get("store.table.cold.init-std"));
    assertEquals(defaults.get("store.table.cold"), changed.get("store.table.cold"), "same placement, other init");
  }
}
