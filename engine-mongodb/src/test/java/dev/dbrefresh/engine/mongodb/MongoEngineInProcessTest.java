package dev.dbrefresh.engine.mongodb;

import org.junit.jupiter.api.AfterAll;

/** {@link MongoEngineBehaviour} on mongo-java-server in this JVM (no sessions: dumps record no point in time). */
class MongoEngineInProcessTest extends MongoEngineBehaviour {

    private static final InProcessMongo MONGO = new InProcessMongo();

    @Override
    protected Server server() {
        return new Server(MONGO.client, false);
    }

    @AfterAll
    static void stop() {
        MONGO.close();
    }
}
