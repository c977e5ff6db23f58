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
    /**
     * docs/architecture.md's "Paper methods → classes" table stays true: every class it names exists, and every bound preset
     * ({@link dev.verity.bounds.Method}) has a row with its name.
     */
    @Test
    void theMethodTableNamesClassesThatExistAndEveryPreset() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/architecture.md"));
        int start = doc.indexOf("## Paper methods → classes");
        org.junit.jupiter.api.Assertions.assertTrue(start >= 0, "the table's section is missing");
        int end = doc.indexOf("\n## ", start + 1);
        String table = doc.substring(start, end < 0 ? doc.length() : end);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("`(dev\\.verity\\.[\\w.]+)`").matcher(table);
        java.util.List<String> missing = new java.util.ArrayList<>();
        int named = 0;
        while (m.find()) {
            named++;
            try {
                Class.forName(m.group(1), false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(m.group(1));
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(named >= 20, "only " + named + " classes named");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), missing, "classes named in docs/architecture.md that do not exist");
        for (dev.verity.bounds.Method method : dev.verity.bounds.Method.values())
            org.junit.jupiter.api.Assertions.assertTrue(table.contains("`" + method.cliName() + "`"), "no row for " + method.cliName());
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.verity.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
