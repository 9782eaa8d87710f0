package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link ErrorCode}: every code is one the {@code refresh.failed} schema accepts, carried unchanged. */
class ErrorCodeTest {

    @Test
    void everyCode_shouldMatchTheRefreshFailedSchemasPattern() throws Exception {
        JsonNode schema;
        try (InputStream in = ErrorCodeTest.class.getResourceAsStream(EventType.REFRESH_FAILED.schemaResource())) {
            schema = EventCodec.mapper().readTree(in);
        }
        String pattern = schema.path("properties").path("data").path("properties").path("errorCode").path("pattern")
                .asText();

        assertThat(pattern).isEqualTo("^[A-Z][A-Z0-9_]*$").isEqualTo(RefreshFailed.ERROR_CODE.pattern());
        assertThat(ErrorCode.values()).allSatisfy(c -> assertThat(c.code()).matches(Pattern.compile(pattern)));
    }

    @Test
    void everyCode_shouldReachRefreshFailedUnchanged() {
        assertThat(ErrorCode.values()).allSatisfy(c -> {
            RefreshFailed f = new RefreshFailed("p", "snapshot-service", StepName.COPY.id(), c.code(), "m", false);
            assertThat(f.errorCode()).isEqualTo(c.code());
            assertThat(f.message()).isEqualTo("m");
        });
    }

    @Test
    void codes_shouldBeUniqueAndSpelledAsTheirConstants() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).doesNotHaveDuplicates();
        assertThat(ErrorCode.values()).allSatisfy(c -> assertThat(c.code()).isEqualTo(c.name()));
        assertThat(ErrorCode.TARGET_BUSY.code()).isEqualTo("TARGET_BUSY");
        assertThat(ErrorCode.AWS_THROTTLED).hasToString("AWS_THROTTLED");
    }

    @Test
    void of_shouldFindTheConstantOfACode_andNothingForOthers() {
        assertThat(ErrorCode.values()).allSatisfy(c -> assertThat(ErrorCode.of(c.code())).contains(c));
        assertThat(ErrorCode.of("PG_TOOL_EXCEPTION")).isEmpty();
        assertThat(ErrorCode.of("target_busy")).isEmpty();
        assertThat(ErrorCode.of(null)).isEmpty();
    }
}
