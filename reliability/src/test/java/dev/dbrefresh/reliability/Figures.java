package dev.dbrefresh.reliability;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the reliability suite's scenarios measured, per scenario, collected in this JVM and printed by
 * {@link ReliabilityReport} when the test plan ends. Every value is counted from what a scenario observed (audit
 * log entries, messages on the queues, calls recorded by the servers, output scanned), never set to a constant.
 *
 * <p>The figures, as the issue names them: {@code faults-injected-<kind>}, {@code runs-started},
 * {@code runs-completed}, {@code runs-failed-with-reason}, {@code lost-runs} (started, neither completed nor failed
 * with a reason), {@code lost-messages} (a message sent that no handler took and no DLQ holds),
 * {@code duplicate-effects} (a step's effect applied twice: a second restore, a second notification, a second audit
 * entry for one transition), {@code destructive-calls-by-refused-runs}, {@code secrets-in-output} (occurrences of a
 * distinctive password in logs, audit entries and notifications) and {@code max-seconds-to-resume} (seconds from a
 * crash to the resumed attempt's start). Thread-safe: scenarios may run in parallel.
 */
public final class Figures {

    /** The figures that must be 0 after every scenario, in the order the report prints them. */
    public static final String[] MUST_BE_ZERO = {"lost-runs", "lost-messages", "duplicate-effects",
        "destructive-calls-by-refused-runs", "secrets-in-output"};

    private static final Map<String, Map<String, Double>> BY_SCENARIO = new LinkedHashMap<>();

    private Figures() {
    }

    /**
     * Adds to a counted figure of one scenario.
     *
     * @param scenario the scenario's name, e.g. {@code sigkill-cluster-service-restore}
     * @param figure a figure name from the class comment, e.g. {@code runs-completed}
     * @param count how much to add (0 records the figure as measured and found nothing)
     */
    public static synchronized void add(String scenario, String figure, long count) {
        BY_SCENARIO.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).merge(figure, (double) count, Double::sum);
    }

    /**
     * Records one injected fault.
     *
     * @param scenario the scenario's name
     * @param kind the fault's kind: {@code sigkill}, {@code duplicate}, {@code delay}, {@code reorder},
     *     {@code outage-elasticmq}, {@code outage-dynamodb}, {@code outage-postgresql}, {@code poison},
     *     {@code malformed}, {@code fuzz}, {@code concurrent-start}, {@code dead-lease}
     * @param count how many faults of that kind
     */
    public static void faults(String scenario, String kind, long count) {
        add(scenario, "faults-injected-" + kind, count);
    }

    /**
     * Records a maximum: the figure keeps the largest value recorded for the scenario.
     *
     * @param scenario the scenario's name
     * @param figure e.g. {@code max-seconds-to-resume}
     * @param value the value measured, in the figure's unit (seconds for {@code max-seconds-to-resume})
     */
    public static synchronized void max(String scenario, String figure, double value) {
        BY_SCENARIO.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).merge(figure, value, Math::max);
    }

    /** @return a copy of every scenario's figures, in the order the scenarios first recorded one */
    public static synchronized Map<String, Map<String, Double>> byScenario() {
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        BY_SCENARIO.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
        return copy;
    }

    /**
     * The figures summed over the scenarios ({@code max-*} figures: the largest).
     *
     * @return figure name to value, sorted by name
     */
    public static synchronized Map<String, Double> totals() {
        Map<String, Double> totals = new TreeMap<>();
        BY_SCENARIO.values().forEach(figures -> figures.forEach((figure, value) -> totals.merge(figure, value,
                figure.startsWith("max-") ? Math::max : Double::sum)));
        return totals;
    }
}
