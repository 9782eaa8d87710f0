package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.RawBsonDocument;

/**
 * Prints documents/s and MB/s of the engine's dump, {@code replace} and {@code delta} restores against a naive
 * one-document-at-a-time copy ({@code find} then {@code insertOne} per document) of the same data, on one
 * in-process mongo-java-server, measured side by side in one run: rounds of both copies in alternating order, each
 * copy dropped after it is timed; {@code replace (engine)} and {@code naive copy} are the medians. Not a test: no
 * assertions, run by {@code engine-mongodb/bench.sh [n [rounds]]} (n customers; the shop data set has 3.5 n
 * documents).
 */
public final class ReplaceBenchmark {

    private ReplaceBenchmark() {
    }

    /**
     * @param args optional: number of customers (default 30000), rounds of both copies (default 3)
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("dbrefresh-bench-");
        try (InProcessMongo mongo = new InProcessMongo()) {
            // Warm-up of both paths on a small data set, so neither is measured with a cold JIT.
            MongoDatabase warm = mongo.db("warm_production");
            TestData.seedShop(warm, 2000);
            Path warmDir = Files.createTempDirectory("dbrefresh-bench-");
            new MongoSnapshotter().dump(mongo.client, "warm_production", warmDir, MongoSnapshotter.Options.defaults());
            new MongoRestorer().restore(DumpDirectory.read(warmDir, null), mongo.db("warm_replace"),
                    MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "warm"));
            naiveCopy(warm, mongo.db("warm_naive"));
            delete(warmDir);
            for (String db : new String[] {"warm_production", "warm_replace", "warm_naive"}) {
                mongo.db(db).drop();
            }

            MongoDatabase source = mongo.db("shop_production");
            TestData.seedShop(source, n);
            long docs = 0;
            long bytes = 0;
            for (String c : source.listCollectionNames()) {
                DocumentDigest d = ManifestVerifier.digest(source, c);
                docs += d.count();
                bytes += d.bytes();
            }
            System.out.printf(Locale.ROOT, "data set: %d documents, %.1f MB, 3 collections%n", docs, bytes / 1e6);

            long t0 = System.nanoTime();
            new MongoSnapshotter().dump(mongo.client, "shop_production", dir, MongoSnapshotter.Options.defaults());
            long dump = System.nanoTime() - t0;

            // Rounds of both copies, side by side on the same server and the same source; the order alternates so
            // neither always runs first, and each copy is dropped after it is timed so both run with the same data
            // held by the server. The figures are the medians.
            List<Long> replaces = new ArrayList<>();
            List<Long> naives = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                for (int k = 0; k < 2; k++) {
                    boolean engine = (k == 0) == (round % 2 == 1);
                    MongoDatabase into = mongo.db(engine ? "engine_replace" : "naive_copy");
                    t0 = System.nanoTime();
                    if (engine) {
                        new MongoRestorer().restore(DumpDirectory.read(dir, null), into,
                                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "bench-replace-" + round));
                    } else {
                        naiveCopy(source, into);
                    }
                    long took = System.nanoTime() - t0;
                    (engine ? replaces : naives).add(took);
                    print((engine ? "replace" : "naive") + ", round " + round, docs, bytes, took);
                    into.drop();
                }
            }
            long replace = median(replaces);
            long naive = median(naives);

            // Delta into a replaced copy (restored again, untimed) after 1% of the customers changed at the source
            // (a fresh dump).
            new MongoRestorer().restore(DumpDirectory.read(dir, null), mongo.db("engine_replace"),
                    MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "bench-before-delta"));
            for (int i = 0; i < n / 100; i++) {
                source.getCollection("customers").updateOne(Filters.eq("_id", i * 100), new Document("$set", new Document("score", -1.0)));
            }
            Path dir2 = Files.createTempDirectory("dbrefresh-bench-");
            new MongoSnapshotter().dump(mongo.client, "shop_production", dir2, MongoSnapshotter.Options.defaults());
            mongo.resetWrites();
            t0 = System.nanoTime();
            new MongoRestorer().restore(DumpDirectory.read(dir2, null), mongo.db("engine_replace"),
                    MongoRestorer.Options.of(MongoRestorer.Mode.DELTA, "bench-delta"));
            long delta = System.nanoTime() - t0;
            long deltaWrites = mongo.writesTo("engine_replace");
            delete(dir2);

            print("dump (engine)", docs, bytes, dump);
            print("replace (engine)", docs, bytes, replace);
            print("naive copy", docs, bytes, naive);
            print("delta, 1% changed", docs, bytes, delta);
            StringBuilder perRound = new StringBuilder();
            for (int i = 0; i < rounds; i++) {
                perRound.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1fx",
                        (double) naives.get(i) / replaces.get(i)));
            }
            System.out.printf(Locale.ROOT, "replace / naive: %.1fx documents/s (medians of %d rounds; per round %s);"
                    + " delta wrote %d documents%n", (double) naive / replace, rounds, perRound, deltaWrites);
        } finally {
            delete(dir);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    private static void naiveCopy(MongoDatabase from, MongoDatabase to) {
        for (String c : from.listCollectionNames()) {
            MongoCollection<RawBsonDocument> out = to.getCollection(c, RawBsonDocument.class);
            try (MongoCursor<RawBsonDocument> in = from.getCollection(c, RawBsonDocument.class).find().iterator()) {
                in.forEachRemaining(out::insertOne);
            }
        }
    }

    private static void print(String what, long docs, long bytes, long nanos) {
        double s = nanos / 1e9;
        System.out.printf(Locale.ROOT, "%-20s %7.2f s  %9.0f documents/s  %6.1f MB/s%n", what, s, docs / s, bytes / 1e6 / s);
    }

    private static void delete(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
