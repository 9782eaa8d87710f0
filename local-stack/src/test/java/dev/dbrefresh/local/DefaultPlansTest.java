package dev.dbrefresh.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.runtime.plan.PlanCatalog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalStackRunner#defaultPlans} and {@link DefaultPlans}: a new home, and homes written by older versions. */
class DefaultPlansTest {

    @TempDir
    Path home;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void defaultPlans_shouldWriteEveryDefaultPlan_whenTheHomeIsNew() throws Exception {
        Path plans = LocalStackRunner.defaultPlans(home, out);

        PlanCatalog catalog = PlanCatalog.load(plans);
        assertThat(catalog.require("local-pgbench").engine()).isEqualTo("postgres");
        assertThat(catalog.require("local-mongodb").mongodb().target().database()).isEqualTo("shop_acceptance");
        assertThat(catalog.require("local-mongodb").mongodb().source().port()).isEqualTo(27217);
        assertThat(Files.readString(plans)).doesNotContain("${SECRET_FILE}");
    }

    @Test
    void defaultPlans_shouldAppendOnlyTheMissingPlan_andKeepTheUsersTextByteForByte() throws Exception {
        // A home written before local-mongodb existed, with a plan and a comment of the user's.
        LocalStackRunner.defaultPlans(home, out);
        Path plans = home.resolve("plans.yml");
        String old = Files.readString(plans);
        String mine = old.substring(0, old.indexOf("  local-mongodb:")).replace("restore: {jobs: 2}",
                "restore: {jobs: 1}  # mine") + "  mine:\n    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: a}\n"
                + "    target: {host: 127.0.0.1, port: 5432, database: b}\n";
        Files.writeString(plans, mine);

        LocalStackRunner.defaultPlans(home, out);

        String merged = Files.readString(plans);
        assertThat(merged).startsWith(mine);
        PlanCatalog catalog = PlanCatalog.load(plans);
        assertThat(catalog.require("local-mongodb").engine()).isEqualTo("mongodb");
        assertThat(catalog.require("local-pgbench").restoreJobs()).as("the user's version stays").isEqualTo(1);
        assertThat(catalog.require("mine").target().database()).isEqualTo("b");
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("added the default plan(s) [local-mongodb]");

        // Once there, nothing more is added: a second call leaves the file as it is.
        LocalStackRunner.defaultPlans(home, out);
        assertThat(Files.readString(plans)).isEqualTo(merged);
    }

    @Test
    void defaultPlans_shouldLeaveTheFileAsItWas_andSayWhatToAdd_whenTheAppendedPlanWouldNotParse() throws Exception {
        Path plans = home.resolve("plans.yml");
        // plans: is not the last mapping: text appended at the end would land outside it.
        String mine = "plans:\n  mine:\n    engine: postgres\n    source: {database: a}\n    target: {database: b}\n"
                + "other: {x: 1}\n";
        Files.writeString(plans, mine);

        LocalStackRunner.defaultPlans(home, out);

        assertThat(Files.readString(plans)).isEqualTo(mine);
        assertThat(home.resolve("plans.yml.merging")).doesNotExist();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("could not be added")
                .contains("the file was left as it was").contains("local-mongodb:").contains("local-pgbench:");
    }
}
