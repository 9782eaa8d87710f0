package dev.dbrefresh.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PostgreSQL server was asked, read from its log: a private cluster started with {@link #SETTINGS}
 * ({@code log_statement=all}, and the database of the session in each line's prefix) logs every statement a client
 * sent, simple ({@code statement: ...}) or extended protocol ({@code execute <name>: ...}). A statement may span
 * several lines; a line that does not start with the prefix continues the one before.
 */
final class StatementLog {

    /** The server settings this reader expects: every statement logged, each line prefixed {@code db=<database>/}. */
    static final List<String> SETTINGS = List.of("log_statement=all", "log_line_prefix=db=%d/");

    /**
     * One statement.
     *
     * @param database the database of the session that sent it
     * @param sql      the statement's text
     */
    record Statement(String database, String sql) {

        /** @return the statement's first keyword, upper case */
        String keyword() {
            String s = sql.stripLeading();
            int end = 0;
            while (end < s.length() && Character.isLetter(s.charAt(end))) {
                end++;
            }
            return s.substring(0, end).toUpperCase(Locale.ROOT);
        }

        /**
         * @return whether it can change a database or the cluster: anything but a query, a session setting or
         *         transaction control (a conservative reading: {@code COPY} to the client or {@code LOCK} count too)
         */
        boolean changes() {
            return !List.of("SELECT", "SHOW", "SET", "RESET", "BEGIN", "START", "COMMIT", "ROLLBACK", "DISCARD",
                    "DEALLOCATE", "").contains(keyword());
        }

        /** @return whether it creates, drops or alters a database */
        boolean touchesDatabases() {
            return DATABASE_DDL.matcher(sql).find();
        }
    }

    private static final Pattern LINE = Pattern.compile("^db=([^/]*)/.*?LOG:  (?:statement|execute [^:]*): (.*)$");
    private static final Pattern PREFIXED = Pattern.compile("^db=[^/]*/");
    private static final Pattern DATABASE_DDL = Pattern.compile("(?i)\\b(CREATE|DROP|ALTER)\\s+DATABASE\\b");

    private final Path file;

    /** @param file the server's log */
    StatementLog(Path file) {
        this.file = file;
    }

    /**
     * @return the log's current length, bytes: the offset to read from for what comes next
     * @throws IOException when it cannot be read
     */
    long end() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            return f.length();
        }
    }

    /**
     * @param from an offset from {@link #end()}
     * @return the statements logged since then, in order
     * @throws IOException when the log cannot be read
     */
    List<Statement> since(long from) throws IOException {
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            bytes = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(bytes);
        }
        List<Statement> out = new ArrayList<>();
        String database = null;
        StringBuilder sql = null;
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
            if (PREFIXED.matcher(line).find() || line.isEmpty()) {
                if (sql != null) {
                    out.add(new Statement(database, sql.toString()));
                    sql = null;
                }
                Matcher m = LINE.matcher(line);
                if (m.find()) {
                    database = m.group(1);
                    sql = new StringBuilder(m.group(2));
                }
            } else if (sql != null) {
                sql.append('\n').append(line);
            }
        }
        if (sql != null) {
            out.add(new Statement(database, sql.toString()));
        }
        return out;
    }

    /**
     * @param from an offset from {@link #end()}
     * @return the whole text logged since then (for scanning it for a secret)
     * @throws IOException when the log cannot be read
     */
    String textSince(long from) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
