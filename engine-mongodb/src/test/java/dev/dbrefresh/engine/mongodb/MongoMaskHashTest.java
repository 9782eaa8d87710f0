package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.engine.postgres.sanitize.PgMasker;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * The mongodb engine's computed masks equal the postgres engine's for the same key and value, so a key masked in
 * MongoDB still joins with the same key masked in PostgreSQL: {@link PgMasker} masks a row in the real PostgreSQL
 * server here (127.0.0.1:5432, in a transaction rolled back at the end: nothing is left behind) and
 * {@link MongoMasker} masks the same values as BSON.
 */
class MongoMaskHashTest {

    private static final String KEY = "cross-engine-k3y-ü";

    @Test
    void mask_shouldEqualThePostgresMask_forTextBigintIntegerEmailAndKeepDomain() throws Exception {
        List<ColumnMask> columns = List.of(new ColumnMask("name", MaskType.HASH, null),
                new ColumnMask("no", MaskType.HASH, null), new ColumnMask("n", MaskType.HASH, null),
                new ColumnMask("mail", MaskType.EMAIL, null), new ColumnMask("work", MaskType.KEEP_DOMAIN, null));
        SanitizeSettings settings = new SanitizeSettings(List.of(new TableMask("mongosafe_hash", "people", false,
                columns)), List.of(), "env:K", true, List.of(), false, false);
        String[] pg = new String[5];
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "")) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA mongosafe_hash");
                st.execute("CREATE TABLE mongosafe_hash.people (name text, no bigint, n integer, mail text, work text)");
                st.execute("INSERT INTO mongosafe_hash.people VALUES ('Zoë Müller', 123456789012, 4242,"
                        + " 'zoe@corp.example.com', 'z.m@work.example.org')");
                PgMasker masker = new PgMasker(settings, KEY.toCharArray());
                masker.apply(c, masker.check(c));
                try (ResultSet rs = st.executeQuery("SELECT name, no, n, mail, work FROM mongosafe_hash.people")) {
                    rs.next();
                    for (int i = 0; i < 5; i++) {
                        pg[i] = rs.getString(i + 1);
                    }
                }
            } finally {
                c.rollback();
            }
        }
        MongoMasker mongo = new MongoMasker(settings, KEY.toCharArray(), 10);

        assertThat(mongo.mask(MaskType.HASH, new BsonString("Zoë Müller"))).isEqualTo(new BsonString(pg[0]));
        assertThat(mongo.mask(MaskType.HASH, new BsonInt64(123456789012L))).isEqualTo(new BsonInt64(Long.parseLong(pg[1])));
        assertThat(mongo.mask(MaskType.HASH, new BsonInt32(4242))).isEqualTo(new BsonInt32(Integer.parseInt(pg[2])));
        assertThat(mongo.mask(MaskType.EMAIL, new BsonString("zoe@corp.example.com"))).isEqualTo(new BsonString(pg[3]));
        assertThat(mongo.mask(MaskType.KEEP_DOMAIN, new BsonString("z.m@work.example.org")))
                .isEqualTo(new BsonString(pg[4]));
        assertThat(pg[3]).endsWith("@example.invalid");
        assertThat(pg[4]).endsWith("@work.example.org");
    }
}
