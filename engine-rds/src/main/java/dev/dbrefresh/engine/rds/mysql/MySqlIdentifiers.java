package dev.dbrefresh.engine.rds.mysql;

/**
 * Quoting of MySQL identifiers for the statements that cannot take bind parameters ({@code GRANT ... ON},
 * {@code SELECT COUNT(*) FROM}).
 *
 * <p>Rules from the MySQL reference manual, "Schema Object Names"
 * (https://dev.mysql.com/doc/refman/8.0/en/identifiers.html): a quoted identifier is enclosed in backticks,
 * an embedded backtick is written as two backticks; it may contain any character except NUL
 * (U+0000) and supplementary characters (U+10000 and above); database and table names are at most
 * {@value #MAX_LENGTH} characters and may not end with a space.
 */
public final class MySqlIdentifiers {

    /** Longest database, table or column name MySQL accepts, in characters. */
    public static final int MAX_LENGTH = 64;

    private MySqlIdentifiers() {
    }

    /**
     * Quotes an identifier, e.g. {@code my`db} becomes {@code `my``db`}.
     *
     * @param identifier a database or table name
     * @param what       what the name is, for the error message (e.g. {@code "table name"})
     * @return the identifier enclosed in backticks with embedded backticks doubled
     * @throws IllegalArgumentException when the name is null, empty, longer than {@value #MAX_LENGTH}
     *                                  characters, ends with a space, or contains NUL, a lone surrogate or a
     *                                  supplementary character
     */
    public static String quote(String identifier, String what) {
        return "`" + requireValid(identifier, what).replace("`", "``") + "`";
    }

    /**
     * @param identifier a database or table name
     * @param what       what the name is, for the error message
     * @return the identifier, unchanged
     * @throws IllegalArgumentException as {@link #quote(String, String)}
     */
    public static String requireValid(String identifier, String what) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (identifier.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " '" + identifier + "' is longer than " + MAX_LENGTH
                    + " characters, the MySQL limit");
        }
        if (identifier.endsWith(" ")) {
            throw new IllegalArgumentException(what + " '" + identifier + "' ends with a space, which MySQL refuses");
        }
        // a lone surrogate is a code point of its own here (no UTF-8 form: the driver would send '?' instead)
        if (identifier.indexOf('\0') >= 0 || identifier.codePoints().anyMatch(cp -> cp > 0xFFFF
                || Character.isSurrogate((char) cp))) {
            throw new IllegalArgumentException(what + " contains NUL, a lone UTF-16 surrogate or a character outside the"
                    + " Basic Multilingual Plane, which MySQL identifiers cannot hold");
        }
        return identifier;
    }
}
