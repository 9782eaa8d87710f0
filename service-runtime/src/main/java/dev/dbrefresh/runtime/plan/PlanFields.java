package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Strict reads of the plans file's numbers and switches that a run cannot turn (ports, retention counts, TLS and
 * snapshot switches): a value that is present but does not parse is refused with a {@link PlanException} naming the
 * key, the value and what is allowed, never replaced by the default. Jackson's {@code asInt(default)} and
 * {@code asBoolean(default)} return the default for {@code "abc"} and {@code "maybe"}, so a mistyped
 * {@code port: 5433x} would have connected to the default port. The per-run knobs have their own table,
 * {@link PlanKnob}.
 */
final class PlanFields {

    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]{1,9}");

    private PlanFields() {
    }

    /**
     * @param plan     plan name, for the message
     * @param key      the key as a user writes it, e.g. {@code target.port}, for the message
     * @param node     the value ({@link JsonNode#isMissingNode() missing} or null: {@code fallback})
     * @param fallback the value when the key is absent (not checked against the range)
     * @param min      smallest value allowed
     * @param max      largest value allowed
     * @return the value
     * @throws PlanException when the value is not a whole number (a YAML integer or its digits as a string) or lies
     *                       outside {@code min..max}
     */
    static int whole(String plan, String key, JsonNode node, int fallback, int min, int max) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        String text = node.isIntegralNumber() || node.isTextual() ? node.asText().trim() : node.toString();
        if (WHOLE.matcher(text).matches()) {
            long n = Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
            if (n >= min && n <= max) {
                return (int) n;
            }
        }
        throw new PlanException("plan '" + plan + "': " + key + " '" + EventCodec.abbreviate(text)
                + "' is not a whole number from " + min + " to " + max);
    }

    /**
     * @param plan     plan name, for the message
     * @param key      the key as a user writes it, e.g. {@code target.final-snapshot}, for the message
     * @param node     the value ({@link JsonNode#isMissingNode() missing} or null: {@code fallback})
     * @param fallback the value when the key is absent
     * @return the value: a YAML boolean, or the string {@code true}/{@code false} in any case
     * @throws PlanException when the value is anything else (e.g. {@code maybe}, {@code 1}, a list)
     */
    static boolean flag(String plan, String key, JsonNode node, boolean fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String text = node.isTextual() ? node.asText().trim().toLowerCase(Locale.ROOT) : node.toString();
        if (text.equals("true") || text.equals("false")) {
            return text.equals("true");
        }
        throw new PlanException("plan '" + plan + "': " + key + " '" + EventCodec.abbreviate(text)
                + "' is not true or false");
    }
}
