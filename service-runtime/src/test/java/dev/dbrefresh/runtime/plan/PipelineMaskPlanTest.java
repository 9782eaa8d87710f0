package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code pipeline:} masks (the {@code js:} escape hatch of {@code mongodb}/{@code docdb}): every rule is enforced when the plans file is read. */
class PipelineMaskPlanTest {

    @TempDir
    Path root;

    private Path plans;

    private static final String GOOD = """
            [{"$set": {"ssn": "000", "name": {"$concat": ["user-", "$city"]}, "at": {"$date": "2024-01-01T00:00:00Z"}}},
             {"$unset": ["notes", "profile.phone"]}]
            """;

    private PlanCatalog catalog(String engine, String mask, String file, String pipeline) throws Exception {
        plans = Files.createDirectories(root.resolve("plans"));
        Files.createDirectories(plans.resolve("masks"));
        if (file != null) {
            Files.writeString(plans.resolve(file), pipeline);
        }
        String endpoints = engine.equals("mongodb")
                ? "source: {host: 127.0.0.1, database: a}\n    target: {host: 127.0.0.1, database: b}\n"
                        + "    snapshot: {source-store: " + root.resolve("s") + ", target-store: " + root.resolve("t") + "}\n"
                : "source: {database: a}\n    target: {database: b}\n";
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("plans:\n  p:\n    engine: " + engine
                + "\n    " + endpoints + "    sanitize: {masks: [" + mask + "]}\n"), plans);
    }

    @Test
    void parse_shouldReadAPipelineMask_asAnAbsolutePathInsideThePlansDirectory() throws Exception {
        TableMask m = catalog("mongodb", "{table: users, pipeline: masks/users.json}", "masks/users.json", GOOD)
                .require("p").mongodb().sanitize().masks().get(0);

        assertThat(m.pipeline()).isEqualTo(plans.resolve("masks/users.json").toAbsolutePath().normalize());
        assertThat(m.columns()).isEmpty();
        assertThat(m.truncate()).isFalse();
        assertThat(MongoSettings.collectionOf(m)).isEqualTo("users");
    }

    @ParameterizedTest
    @ValueSource(strings = {"$out", "$merge", "$function", "$where", "$accumulator", "$lookup"})
    void parse_shouldRefuseAStageThatWritesElsewhereOrRunsCode_anywhereInTheFile(String stage) {
        String nested = "[{\"$set\": {\"a\": {\"$cond\": [true, {\"" + stage + "\": {}}, 1]}}}]";

        assertThatThrownBy(() -> catalog("mongodb", "{table: users, pipeline: masks/bad.json}", "masks/bad.json", nested))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("masks/bad.json").hasMessageContaining("'" + stage + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{table: u, pipeline: masks/p.json}|[{\"$match\": {}}]|stage '$match' is not allowed",
        "{table: u, pipeline: masks/p.json}|{\"$set\": {}}|non-empty JSON array",
        "{table: u, pipeline: masks/p.json}|[]|non-empty JSON array",
        "{table: u, pipeline: masks/p.json}|[{\"$set\": {}, \"$unset\": \"a\"}]|exactly one stage",
        "{table: u, pipeline: masks/p.json}|[{\"$set\": {\"a\": ObjectId(\"x\")}}]|is not JSON",
        "{table: u, pipeline: ../outside.json}||inside the plans file's directory",
        "{table: u, pipeline: masks/missing.json}||does not exist",
        "{table: u, mask: truncate-table, pipeline: masks/p.json}|[{\"$set\": {\"a\": 1}}]|cannot have a pipeline",
        "{table: u, js: masks/p.js}||write the escape hatch as pipeline: <file>"})
    void parse_shouldRefuseABadPipelineMask_namingTheFile(String row) {
        String[] parts = row.split("\\|", -1);
        assertThatThrownBy(() -> catalog("mongodb", parts[0], parts[1].isEmpty() ? null : "masks/p.json", parts[1]))
                .isInstanceOf(PlanException.class).hasMessageContaining(parts[2]);
    }

    @Test
    void parse_shouldRefuseAnAbsolutePathOutside_andASymlinkLeavingThePlansDirectory() throws Exception {
        Path outside = Files.writeString(root.resolve("outside.json"), GOOD);
        assertThatThrownBy(() -> catalog("mongodb", "{table: u, pipeline: '" + outside + "'}", null, null))
                .isInstanceOf(PlanException.class).hasMessageContaining("inside the plans file's directory");

        Files.createDirectories(root.resolve("plans/masks"));
        Files.createSymbolicLink(root.resolve("plans/masks/link.json"), outside);
        assertThatThrownBy(() -> catalog("mongodb", "{table: u, pipeline: masks/link.json}", null, null))
                .isInstanceOf(PlanException.class).hasMessageContaining("symbolic link leading outside");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "aurora-postgresql"})
    void parse_shouldRefuseAPipelineMask_forEnginesThatCannotRunIt(String engine) {
        assertThatThrownBy(() -> catalog(engine, "{table: u, pipeline: masks/p.json}", "masks/p.json", GOOD))
                .isInstanceOf(PlanException.class).hasMessageContaining("mongodb and docdb only, not for " + engine);
    }
}
