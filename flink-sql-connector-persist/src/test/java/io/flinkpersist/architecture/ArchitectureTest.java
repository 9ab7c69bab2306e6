package io.flinkpersist.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, checked on the compiled classes of every module (this module depends on
 * them all):
 *
 * <ul>
 *   <li>the engine ({@code flink-persist-core}) imports nothing of Flink;
 *   <li>no module imports another module's {@code internal} package.
 * </ul>
 */
class ArchitectureTest {

    private static final String[] CORE_PACKAGES = {
        "io.flinkpersist",
        "io.flinkpersist.batch..",
        "io.flinkpersist.blob..",
        "io.flinkpersist.compaction..",
        "io.flinkpersist.gc..",
        "io.flinkpersist.read..",
        "io.flinkpersist.state..",
        "io.flinkpersist.write.."
    };

    private static final List<String> MODULES = List.of("sink", "source", "table");

    private static final JavaClasses PRODUCTION =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("io.flinkpersist");

    private static ArchRule coreImportsNoFlink() {
        return noClasses()
                .that()
                .resideInAnyPackage(CORE_PACKAGES)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.flink..")
                .because("the engine is plain Java; Flink code belongs in the Flink modules");
    }

    private static ArchRule noModuleImportsAnotherModulesInternals(String module) {
        String base = "io.flinkpersist." + module;
        return noClasses()
                .that()
                .resideOutsideOfPackage(base + "..")
                .should()
                .dependOnClassesThat(
                        DescribedPredicate.describe(
                                "are in " + base + ".internal",
                                (JavaClass c) -> c.getPackageName().startsWith(base + ".internal")))
                .because("a module plugs into another through its public API, never its internals");
    }

    @Test
    void theImportSeesEveryModule() {
        for (String name :
                List.of(
                        "io.flinkpersist.PersistCollection",
                        "io.flinkpersist.sink.PersistSink",
                        "io.flinkpersist.sink.internal.PersistCommitCoordinator",
                        "io.flinkpersist.source.PersistSource",
                        "io.flinkpersist.table.PersistDynamicTableFactory",
                        "io.flinkpersist.table.internal.RowLayout")) {
            assertThat(PRODUCTION.contain(name)).as("classes imported include %s", name).isTrue();
        }
        assertThat(PRODUCTION.contain("io.flinkpersist.table.archfixture.ReachesIntoTheSink"))
                .as("test classes are not checked")
                .isFalse();
    }

    @Test
    void theEngineImportsNoFlink() {
        coreImportsNoFlink().check(PRODUCTION);
    }

    @Test
    void noModuleImportsAnotherModulesInternalPackage() {
        for (String module : MODULES) {
            noModuleImportsAnotherModulesInternals(module).check(PRODUCTION);
        }
    }

    @Test
    void theRulesFailOnAViolation() {
        JavaClasses fixture =
                new ClassFileImporter().importPackages("io.flinkpersist.table.archfixture");
        assertThat(fixture.contain("io.flinkpersist.table.archfixture.ReachesIntoTheSink"))
                .isTrue();
        assertThat(noModuleImportsAnotherModulesInternals("sink").evaluate(fixture).hasViolation())
                .as("a table class reaching into the sink's internal package")
                .isTrue();
        JavaClasses flinkUsers = new ClassFileImporter().importClasses(ArchitectureTest.class);
        assertThat(
                        noClasses()
                                .that()
                                .resideInAPackage("io.flinkpersist.architecture")
                                .should()
                                .dependOnClassesThat()
                                .resideInAPackage("com.tngtech.archunit..")
                                .evaluate(flinkUsers)
                                .hasViolation())
                .as("the same kind of rule finds a dependency that is there")
                .isTrue();
    }
}
