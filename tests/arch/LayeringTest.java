package arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of docs/architecture.md, kept: dependencies point one way (tools → app → http → service,
 * learner → actors, storage, streams → the Akka-free core), no package cycles, and the numeric core free of
 * Akka.
 */
class LayeringTest {

  private static final String[] ALL = {"cli", "bench", "simulation", "app", "http", "learner", "service",
      "actors", "storage", "streams", "embedding", "model", "retrieval", "infra", "metrics"};

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(ALL);
  }

  @Test
  void dependenciesPointOneWay() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("Tools").definedBy("cli..", "bench..", "simulation..")
        .layer("Wiring").definedBy("app..")
        .layer("Http").definedBy("http..")
        .layer("Learner").definedBy("learner..")
        .layer("Services").definedBy("service..")
        .layer("Stores").definedBy("actors..", "storage..", "streams..")
        .layer("Core").definedBy("embedding..", "model..", "retrieval..", "infra..", "metrics..")
        .whereLayer("Tools").mayNotBeAccessedByAnyLayer()
        .whereLayer("Wiring").mayOnlyBeAccessedByLayers("Tools")
        .whereLayer("Http").mayOnlyBeAccessedByLayers("Wiring", "Tools")
        .whereLayer("Learner").mayOnlyBeAccessedByLayers("Wiring", "Tools")
        .whereLayer("Services").mayOnlyBeAccessedByLayers("Http", "Learner", "Wiring", "Tools")
        .whereLayer("Stores").mayOnlyBeAccessedByLayers("Services", "Learner", "Http", "Wiring", "Tools")
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    slices().matching("(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theNumericCoreIsFreeOfAkka() {
    noClasses().that().resideInAnyPackage("embedding..", "model..", "retrieval..", "metrics..")
        .should().dependOnClassesThat().resideInAnyPackage("akka..")
        .check(classes);
  }

  /** A settings record beats eleven arguments: records are exempt (their components are their fields). */
  @Test
  void noConstructorTakesMoreThanSevenParameters() {
    ArchRuleDefinition.classes().that().areNotRecords().should(new ArchCondition<JavaClass>(
        "have no constructor over 7 parameters") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        for (JavaConstructor k : c.getConstructors()) {
          int n = k.getRawParameterTypes().size();
          // an inner class's constructor takes its outer instance first: it is not an argument a caller writes
          if (c.isInnerClass() && !c.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.STATIC)) n--;
          if (n > 7) events.add(SimpleConditionEvent.violated(k, k.getFullName() + " takes " + n + " parameters"));
        }
      }
    }).check(classes);
  }
}
