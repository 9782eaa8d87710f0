package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalSorterTest {

    @TempDir
    Path temp;

    private static RawBsonDocument doc(BsonValue id) {
        return new RawBsonDocument(new BsonDocument("_id", id).append("pad", new BsonString("x".repeat(100))), new BsonDocumentCodec());
    }

    @Test
    void sort_shouldOrderById_acrossSeveralRunFiles_andDeleteThem() {
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            docs.add(doc(new BsonInt32(i)));
        }
        Collections.shuffle(docs, new Random(1));
        List<Integer> out = new ArrayList<>();
        try (ExternalSorter sorter = new ExternalSorter(temp, 16 * 1024, "c")) {
            sorter.sort(docs.iterator()).forEachRemaining(d -> out.add(d.getInt32("_id").getValue()));
            assertThat(sorter.runs()).isGreaterThan(10);
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            expected.add(i);
        }
        assertThat(out).isEqualTo(expected);
        assertThat(temp.toFile().list()).isEmpty();
    }

    @Test
    void sort_shouldRankTypesAsMongoDb_andNumbersByValue() {
        ObjectId oid = new ObjectId();
        List<RawBsonDocument> docs = List.of(doc(new BsonObjectId(oid)), doc(new BsonString("b")), doc(new BsonDouble(2.5)),
                doc(new BsonInt64(2)), doc(BsonNull.VALUE), doc(new BsonDecimal128(Decimal128.parse("3"))), doc(new BsonMinKey()));
        List<String> out = new ArrayList<>();
        try (ExternalSorter sorter = new ExternalSorter(temp, 1 << 20, "c")) {
            sorter.sort(docs.iterator()).forEachRemaining(d -> out.add(d.get("_id").getBsonType() + ":" + d.get("_id")));
        }
        assertThat(out).extracting(s -> s.substring(0, s.indexOf(':')))
                .containsExactly("MIN_KEY", "NULL", "INT64", "DOUBLE", "DECIMAL128", "STRING", "OBJECT_ID");
    }

    @Test
    void sort_shouldRefuse_twoDocumentsWithOneIdByValue() {
        List<RawBsonDocument> docs = List.of(doc(new BsonInt32(1)), doc(new BsonDouble(1.0)));
        try (ExternalSorter sorter = new ExternalSorter(temp, 1 << 20, "orders")) {
            assertThatThrownBy(() -> sorter.sort(docs.iterator()).forEachRemaining(d -> { }))
                    .isInstanceOf(MongoEngineException.class).hasMessageContaining("collection orders")
                    .hasMessageContaining("two documents have the _id");
        }
    }

    @Test
    void sort_shouldRefuse_aDocumentWithoutId() throws Exception {
        RawBsonDocument noId = new RawBsonDocument(new BsonDocument("a", new BsonInt32(1)), new BsonDocumentCodec());
        try (ExternalSorter sorter = new ExternalSorter(temp, 1 << 20, "orders")) {
            assertThatThrownBy(() -> sorter.sort(List.of(noId).iterator())).hasMessageContaining("has no _id");
        }
        assertThat(Files.list(temp)).isEmpty();
    }
}
