package dev.dbrefresh.engine.postgres;

import java.nio.charset.StandardCharsets;

/**
 * Quoting of identifiers and string literals for SQL text sent to PostgreSQL, for the statements that
 * cannot take bind parameters (DDL such as {@code CREATE DATABASE}, {@code GRANT}, {@code COMMENT ON}).
 *
 * <p>Rules from the PostgreSQL documentation, "SQL Syntax / Lexical Structure"
 * (https://www.postgresql.org/docs/15/sql-syntax-lexical.html): a quoted identifier is enclosed in double
 * quotes, an embedded double quote is written as two double quotes, and it may contain any character
 * except the character with code zero; identifiers longer than {@code NAMEDATALEN-1} = 63 bytes are
 * truncated by the server. A string constant is enclosed in single quotes with embedded single quotes
 * doubled; an escape string constant ({@code E'...'}) additionally needs backslashes doubled, which
 * makes it independent of {@code standard_conforming_strings} (the same form as the server function
 * {@code quote_literal}).
 */
public final class PgIdentifiers {

    /** Longest identifier the server keeps without truncating it, in bytes of UTF-8 ({@code NAMEDATALEN - 1}). */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    private PgIdentifiers() {
    }

    /**
     * Quotes an identifier, e.g. {@code my"db} becomes {@code "my""db"}.
     *
     * @param identifier a table, schema, database or role name; any characters but NUL
     * @return the identifier enclosed in double quotes with embedded double quotes doubled
     * @throws IllegalArgumentException when the identifier is null, empty, contains a NUL character or a lone UTF-16
     *                                  surrogate ({@link #requireWellFormed})
     */
    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("an SQL identifier must not be null or empty");
        }
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an SQL identifier must not contain the NUL character");
        }
        requireWellFormed(identifier, "an SQL identifier");
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * Quotes a string literal like the server's {@code quote_literal}: {@code it's} becomes {@code 'it''s'},
     * and a value containing a backslash becomes an escape string ({@code E'a\\b'}), so the result means
     * the same text whatever {@code standard_conforming_strings} is set to.
     *
     * @param value any text without NUL characters
     * @return a string constant for SQL text
     * @throws IllegalArgumentException when the value is null, contains a NUL character or a lone UTF-16 surrogate
     */
    public static String literal(String value) {
        if (value == null) {
            throw new IllegalArgumentException("an SQL string literal must not be null; use NULL explicitly");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an SQL string literal must not contain the NUL character");
        }
        requireWellFormed(value, "an SQL string literal");
        String quoted = value.replace("'", "''");
        if (value.indexOf('\\') >= 0) {
            return "E'" + quoted.replace("\\", "\\\\") + "'";
        }
        return "'" + quoted + "'";
    }

    /**
     * Refuses text with a lone UTF-16 surrogate: it has no UTF-8 form, and the JDBC driver would send {@code ?} in its
     * place, so the statement would name another object (or set another password) than the one written.
     *
     * @param text any text
     * @param what what it is, for the message
     * @throws IllegalArgumentException when the text holds an unpaired surrogate
     */
    public static void requireWellFormed(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " must be valid Unicode: it holds a lone UTF-16 surrogate"
                        + " (U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + ") at index " + i);
            }
        }
    }

    /**
     * Checks that a name fits into a PostgreSQL identifier without being truncated; a truncated name
     * would silently refer to a different object than the one looked up by its full name.
     *
     * @param identifier a name
     * @param what       what the name is, for the message, e.g. {@code "role name"}
     * @return the identifier unchanged
     * @throws IllegalArgumentException when it is null, empty, contains NUL or is longer than
     *                                  {@link #MAX_IDENTIFIER_BYTES} bytes in UTF-8
     */
    public static String requireValid(String identifier, String what) {
        quote(identifier);
        int bytes = identifier.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES) {
            throw new IllegalArgumentException(what + " '" + identifier + "' is " + bytes + " bytes long; PostgreSQL"
                    + " truncates identifiers to " + MAX_IDENTIFIER_BYTES + " bytes, use a shorter name");
        }
        return identifier;
    }
}
