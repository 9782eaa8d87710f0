package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link RefreshFailed}: whatever a producer puts in, the event matches its schema (issue 13). */
class RefreshFailedTest {

    @Test
    void constructor_shouldKeepCode_whenItIsADbrefreshCode() {
        RefreshFailed f = new RefreshFailed("p", "snapshot-service", "copy", "AWS_THROTTLED", "throttled", false);

        assertThat(f.errorCode()).isEqualTo("AWS_THROTTLED");
        assertThat(f.message()).isEqualTo("throttled");
    }

    @Test
    void constructor_shouldNormalizeCodeAndKeepOriginalInMessage_whenCodeIsAnAwsWireCode() {
        RefreshFailed f = new RefreshFailed("p", "snapshot-service", "copy", "ResourceNotFoundException",
                "secret is missing", false);

        assertThat(f.errorCode()).isEqualTo("RESOURCE_NOT_FOUND_EXCEPTION");
        assertThat(f.message()).isEqualTo("secret is missing (original error code: ResourceNotFoundException)");
    }

    @Test
    void normalizeErrorCode_shouldAlwaysMatchThePattern() {
        assertThat(RefreshFailed.normalizeErrorCode("DBClusterNotFoundFault")).isEqualTo("DB_CLUSTER_NOT_FOUND_FAULT");
        assertThat(RefreshFailed.normalizeErrorCode("AWS.SimpleQueueService.NonExistentQueue"))
                .isEqualTo("AWS_SIMPLE_QUEUE_SERVICE_NON_EXISTENT_QUEUE");
        assertThat(RefreshFailed.normalizeErrorCode("404")).isEqualTo("E_404");
        assertThat(RefreshFailed.normalizeErrorCode("  ")).isEqualTo(ErrorCode.UNKNOWN_ERROR.code());
        assertThat(RefreshFailed.normalizeErrorCode(null)).isEqualTo(ErrorCode.UNKNOWN_ERROR.code());
        assertThat(RefreshFailed.normalizeErrorCode("é-ü")).isEqualTo(ErrorCode.UNKNOWN_ERROR.code());
        assertThat(RefreshFailed.normalizeErrorCode("x".repeat(300))).matches(RefreshFailed.ERROR_CODE).hasSize(100);
    }

    @Test
    void payload_shouldAcceptTheEvent_whenBuiltFromUnusableValues() {
        RefreshFailed f = new RefreshFailed(" ", null, "", "ThrottlingException", null, true);
        EventEnvelope envelope = EventEnvelope.create("dbrefresh/test", "run-1", null, f, Instant.now());

        DbRefreshEvent decoded = EventCodec.payload(EventCodec.decode(EventCodec.encode(envelope)));

        assertThat(decoded).isInstanceOfSatisfying(RefreshFailed.class, d -> {
            assertThat(d.errorCode()).isEqualTo("THROTTLING_EXCEPTION");
            assertThat(d.plan()).isEqualTo("unknown");
            assertThat(d.message()).contains("ThrottlingException");
        });
    }
}
