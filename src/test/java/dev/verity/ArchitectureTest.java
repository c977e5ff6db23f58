package dev.verity;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The package structure docs/architecture.md describes: dependencies point one way. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            // the build folder is configurable (verity.build.dir), so test classes are recognised by their folder name alone
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages("dev.verity");

    /** No package depends on itself through others (issue 17 found bounds ↔ lp, bounds ↔ dual and relax → bounds). */
    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.verity.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
