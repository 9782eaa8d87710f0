package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The typed plan keys a per-run value may turn (of {@link PlanResolver#KNOBS}; {@code source.snapshot} is free text,
 * checked by the snapshot engines) and what each accepts: a whole number within a range, one of a few words, or text
 * of a shape. One table read by both the plans file ({@link PlanCatalog}) and
 * every per-run place ({@link PlanResolver}: start message, earlier events, environment, parameter store), so that a
 * value that does not parse is refused in both with the same rule, never replaced by the default (Jackson's
 * {@code asInt(default)} returns the default for {@code "tomorrow"} and {@code 2} for {@code "2.5"}).
 */
public enum PlanKnob {

    /** Parallel jobs of {@code pg_restore}, or collections restored at the same time ({@code mongodb}). */
    RESTORE_JOBS("restore.jobs", 1, 64, "parallel jobs"),
    /** Instances created after a cluster restore. */
    TARGET_INSTANCES("target.instances", 1, 16, "instances"),
    /** First delay of a wait ({@link WaitSettings#firstPollSeconds()}). */
    WAIT_FIRST_POLL_SECONDS("wait.first-poll-seconds", 1, WaitSettings.MAX_DELAY_SECONDS, "seconds"),
    /** Cap of a wait's doubling delay ({@link WaitSettings#maxPollSeconds()}); also at least the first delay. */
    WAIT_MAX_POLL_SECONDS("wait.max-poll-seconds", 1, WaitSettings.MAX_DELAY_SECONDS, "seconds"),
    /** Deadline of a wait ({@link WaitSettings#deadlineMinutes()}). */
    WAIT_DEADLINE_MINUTES("wait.deadline-minutes", 1, Integer.MAX_VALUE, "minutes"),
    /** Most operations in one bulk write of a {@code mongodb} restore ({@link MongoSettings#batchDocuments()}). */
    RESTORE_BATCH_DOCUMENTS("restore.batch-documents", 1, 100_000, "operations"),
    /** Most bytes in one bulk write of a {@code mongodb} restore, up to MongoDB's largest message. */
    RESTORE_BATCH_BYTES("restore.batch-bytes", 1024, 48_000_000, "bytes"),
    /** Whether a run takes a new snapshot or restores the newest one. */
    SNAPSHOT_MODE("snapshot.mode", List.of("create", "latest"), false),
    /** How a {@code mongodb} target reaches the snapshot ({@link MongoSettings#restoreMode()}), any case. */
    RESTORE_MODE("restore.mode", MongoSettings.RESTORE_MODES, true),
    /**
     * Instance class of the instances a cluster restore creates: {@code db.<family>.<size>} or {@code db.serverless}
     * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.html); only the shape,
     * whether AWS offers the class for the engine is cluster-service's preflight ({@code PREFLIGHT_INSTANCE_CLASS}).
     */
    TARGET_INSTANCE_CLASS("target.instance-class", Pattern.compile("db\\.[a-z0-9]+(\\.[a-z0-9]+)?"),
            "an instance class such as db.r6g.large or db.serverless");

    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]{1,18}");

    private final String key;
    private final long min;
    private final long max;
    private final String unit;
    private final List<String> words;
    private final boolean anyCase;
    private final Pattern shape;

    PlanKnob(String key, long min, long max, String unit) {
        this(key, min, max, unit, null, false, null);
    }

    PlanKnob(String key, List<String> words, boolean anyCase) {
        this(key, 0, 0, null, words, anyCase, null);
    }

    PlanKnob(String key, Pattern shape, String described) {
        this(key, 0, 0, described, null, false, shape);
    }

    PlanKnob(String key, long min, long max, String unit, List<String> words, boolean anyCase, Pattern shape) {
        this.key = key;
        this.min = min;
        this.max = max;
        this.unit = unit;
        this.words = words;
        this.anyCase = anyCase;
        this.shape = shape;
    }

    /** @return the plan key, e.g. {@code wait.max-poll-seconds} */
    public String key() {
        return key;
    }

    /**
     * @param key a plan key
     * @return its knob, or empty when the key is not one a per-run value may turn
     */
    public static Optional<PlanKnob> of(String key) {
        return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
    }

    /**
     * @return what the knob accepts, for messages: e.g. {@code a whole number of seconds from 1 to 900},
     *         {@code one of [create, latest]}
     */
    public String allowed() {
        if (words != null) {
            return "one of " + words + (anyCase ? " (any case)" : "");
        }
        if (shape != null) {
            return unit;
        }
        return "a whole number of " + unit + (max == Integer.MAX_VALUE ? ", at least " + min
                : " from " + min + " to " + max);
    }

    /**
     * Checks a per-run value of this knob.
     *
     * @param plan  plan name, for the message
     * @param value the value as the run gave it (untrusted: quoted abbreviated in the message)
     * @param where where the value came from, e.g. {@code the run's values (start message)}
     * @throws PlanException when the value does not parse or is out of range; the message names the key, the value,
     *                       where it came from and what is allowed
     */
    public void check(String plan, String value, String where) {
        if (!accepts(value)) {
            throw new PlanException("plan '" + plan + "': '" + key + "' = '" + EventCodec.abbreviate(value) + "' in "
                    + where + " is not " + allowed() + "; nothing was changed");
        }
    }

    /**
     * Reads this whole-number knob from a plan document.
     *
     * @param plan     plan name, for the message
     * @param node     the value in the document ({@link JsonNode#isMissingNode() missing} or null: the fallback)
     * @param fallback the default, used only when the key is absent
     * @return the value
     * @throws PlanException when the value is not a whole number (e.g. {@code tomorrow}, {@code 2.5}) or is out of
     *                       range
     */
    public long whole(String plan, JsonNode node, long fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        String text = node.isIntegralNumber() || node.isTextual() ? node.asText() : node.toString();
        if (!accepts(text)) {
            throw new PlanException("plan '" + plan + "': " + key + " '" + EventCodec.abbreviate(text) + "' is not "
                    + allowed());
        }
        return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
    }

    /**
     * Reads this word or text knob from a plan document.
     *
     * @param plan     plan name, for the message
     * @param node     the value in the document ({@link JsonNode#isMissingNode() missing} or null: the fallback)
     * @param fallback the default, used only when the key is absent
     * @return the value, lower case for a knob of {@link #allowed() any case}
     * @throws PlanException when the value is not one of the words or not of the shape
     */
    public String text(String plan, JsonNode node, String fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        String text = node.isValueNode() ? node.asText() : node.toString();
        if (!accepts(text)) {
            throw new PlanException("plan '" + plan + "': " + key + " '" + EventCodec.abbreviate(text) + "' is not "
                    + allowed());
        }
        return anyCase ? text.toLowerCase(Locale.ROOT) : text;
    }

    private boolean accepts(String value) {
        if (value == null) {
            return false;
        }
        if (words != null) {
            return words.contains(anyCase ? value.toLowerCase(Locale.ROOT) : value);
        }
        if (shape != null) {
            return shape.matcher(value).matches();
        }
        if (!WHOLE.matcher(value).matches()) {
            return false;
        }
        long n = Long.parseLong(value.startsWith("+") ? value.substring(1) : value);
        return n >= min && n <= max;
    }
}
