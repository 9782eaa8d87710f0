package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.dbrefresh.testsupport.ContainerTest;
import dev.dbrefresh.testsupport.RealMongo;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link MongoEngineBehaviour} on a real {@code mongod} 7, a one-node replica set ({@link RealMongo#replicaSet()}):
 * the dump takes the snapshot-read path. Skipped, with the reason, where Docker is absent.
 */
@ContainerTest
class MongoEngineContainerTest extends MongoEngineBehaviour {

    private static MongoClient client;

    @Override
    protected Server server() {
        synchronized (MongoEngineContainerTest.class) {
            if (client == null) {
                client = MongoClients.create(RealMongo.replicaSet().getReplicaSetUrl());
            }
        }
        return new Server(client, true);
    }

    @AfterAll
    static void close() {
        if (client != null) {
            client.close();
        }
    }
}
