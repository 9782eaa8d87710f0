package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.testsupport.Parameterisation;
import org.junit.jupiter.api.Test;

/**
 * The container tests of this package are not written twice: {@link MongoEngineContainerTest} and {@link MongoEngineInProcessTest} share their
 * behaviour class and its server accessor, and every behaviour the container would run passes here (the mongodb engine's snapshot, replace and delta restores and checksums on mongo-java-server).
 */
class ServerParameterisationTest {

    @Test
    void everyContainerBehaviour_shouldRunHere_throughTheSameServerAccessor() {
        assertThat(Parameterisation.runHereWhatTheContainerRuns(MongoEngineInProcessTest.class, MongoEngineContainerTest.class)).isNotEmpty();
    }
}
