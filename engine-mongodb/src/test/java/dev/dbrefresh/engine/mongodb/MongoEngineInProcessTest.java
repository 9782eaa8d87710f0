package dev.dbrefresh.engine.mongodb;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MongoEngineBehaviour} on mongo-java-server in this JVM (no sessions: dumps record no point in time). */
class MongoEngineInProcessTest extends MongoEngineBehaviour {

    private static InProcessMongo mongo;

    @BeforeAll
    static void start() {
        mongo = new InProcessMongo();
    }

    @Override
    protected Server server() {
        return new Server(mongo.client, false);
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }
}
