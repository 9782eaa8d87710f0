package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link StepName}: the names the audit log and events carry. */
class StepNameTest {

    @Test
    void ids_shouldBeUniqueLowerKebabCaseWithoutTheInstanceSeparator() {
        assertThat(Arrays.stream(StepName.values()).map(StepName::id)).doesNotHaveDuplicates();
        assertThat(StepName.values()).allSatisfy(s -> {
            assertThat(s.id()).matches("^[a-z][a-z0-9]*(-[a-z0-9]+)*$");
            assertThat(s.id()).isEqualTo(s.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        });
        assertThat(StepName.PICK_SNAPSHOT.id()).isEqualTo("pick-snapshot");
        assertThat(StepName.VERIFY_COUNTS).hasToString("verify-counts");
    }

    @Test
    void restorePollPhases_shouldBeSteps() throws Exception {
        JsonNode schema;
        try (InputStream in = StepNameTest.class.getResourceAsStream(EventType.CLUSTER_RESTORE_POLL.schemaResource())) {
            schema = EventCodec.mapper().readTree(in);
        }
        List<String> phases = new ArrayList<>();
        schema.path("properties").path("data").path("properties").path("phase").path("enum")
                .forEach(p -> phases.add(p.asText()));

        assertThat(phases).containsExactlyInAnyOrder("renaming", "deleting", "restoring");
        assertThat(phases).extracting(StepName::require)
                .containsExactlyInAnyOrder(StepName.RENAMING, StepName.DELETING, StepName.RESTORING);
    }

    @Test
    void at_shouldNameTheInstance_andNamesShouldRecogniseIt() {
        assertThat(StepName.RENAME_INSTANCE.at("orders-acc-1")).isEqualTo("rename-instance:orders-acc-1");
        assertThat(StepName.RENAME_INSTANCE.names("rename-instance:orders-acc-1")).isTrue();
        assertThat(StepName.RENAME_INSTANCE.names("rename-instance")).isTrue();
        assertThat(StepName.NOTIFY.names("notify-failure")).isFalse();
        assertThat(StepName.NOTIFY.names(null)).isFalse();
    }

    @Test
    void ofAndRequire_shouldMatchIdsExactly() {
        assertThat(StepName.values()).allSatisfy(s -> assertThat(StepName.of(s.id())).contains(s));
        assertThat(StepName.of("rename-instance:x")).isEmpty();
        assertThat(StepName.of(null)).isEmpty();
        assertThatThrownBy(() -> StepName.require("Copy")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Copy");
    }
}
