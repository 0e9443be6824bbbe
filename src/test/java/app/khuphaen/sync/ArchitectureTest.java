package app.khuphaen.sync;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages' layers, lowest first: {@code model} (rooms, documents, peers as values, and the
 * error helper) and {@code metrics} (the server's meters) depend on nothing of ours; {@code config}
 * on the model, {@code store} on the model and metrics; {@code protocol} (the wire's
 * messages and codes) on the model; {@code transport} (the WebSocket below the session) on the
 * protocol and metrics; {@code cluster} on config and metrics; {@code room} on all of those; {@code session} on the room and
 * transport; {@code http} on everything below it; the root package wires it all together. No package
 * reaches up, and no two depend on each other.
 *
 * <p>Rules are methods, not {@code ArchRule} fields: Surefire 3.5.3 does not run field rules
 * (TNG/ArchUnit#1442).
 */
@AnalyzeClasses(packages = "app.khuphaen.sync", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String OURS = "app.khuphaen.sync..";

  @ArchTest
  static void noTwoPackagesDependOnEachOther(JavaClasses classes) {
    slices().matching("app.khuphaen.sync.(*)..").should().beFreeOfCycles().check(classes);
  }

  @ArchTest
  static void modelLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("model").check(classes);
  }

  @ArchTest
  static void metricsLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("metrics").check(classes);
  }

  @ArchTest
  static void configLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("config", "model").check(classes);
  }

  @ArchTest
  static void storeLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("store", "model", "metrics").check(classes);
  }

  @ArchTest
  static void protocolLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("protocol", "model").check(classes);
  }

  @ArchTest
  static void transportLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("transport", "protocol", "model", "metrics").check(classes);
  }

  @ArchTest
  static void clusterLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("cluster", "config", "metrics").check(classes);
  }

  @ArchTest
  static void roomLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("room", "model", "config", "store", "protocol", "transport", "cluster", "metrics").check(classes);
  }

  @ArchTest
  static void sessionLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("session", "room", "model", "config", "protocol", "transport", "metrics").check(classes);
  }

  @ArchTest
  static void httpLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("http", "session", "room", "model", "config", "store", "protocol", "transport", "metrics").check(classes);
  }

  @ArchTest
  static void toolsLayerReachesOnlyDown(JavaClasses classes) {
    dependsOnlyOn("tools").check(classes);
  }

  /** Classes of {@code layer} use, of ours, only classes of {@code layer} and of {@code allowed}. */
  private static ArchRule dependsOnlyOn(String layer, String... allowed) {
    List<String> packages = new ArrayList<>();
    packages.add("app.khuphaen.sync." + layer + "..");
    for (String other : allowed) {
      packages.add("app.khuphaen.sync." + other + "..");
    }
    DescribedPredicate<JavaClass> elsewhere =
        resideInAPackage(OURS).and(DescribedPredicate.not(resideInAnyPackage(packages.toArray(String[]::new))));
    return noClasses().that().resideInAPackage("app.khuphaen.sync." + layer + "..")
        .should().dependOnClassesThat(elsewhere.as("classes of ours outside " + packages));
  }
}
