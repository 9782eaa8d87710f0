package dev.dbrefresh.runtime.messaging;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-injection hook for the reliability suite (issue 12), <b>off unless the environment variable
 * {@value #HOLD_ENV} is set</b>: it holds chosen steps open so that a test can kill the service while the step
 * runs, also the steps that are over in milliseconds (copy of a small file, a parameter write, a notification).
 *
 * <p>{@value #HOLD_ENV} is a comma-separated list of {@code <plan>:<step>:<position>}: the plan's name, the step as
 * the audit log names it (e.g. {@code notify}) and {@code before} (held after its {@code started} audit entry,
 * before its work: a kill then interrupts a step that did nothing yet) or {@code after} (held after its work, before
 * its {@code succeeded} entry: a kill then leaves an effect that no audit entry records, the case that tests the
 * step's idempotency) or {@code waiting} (held after a wait's {@code waiting} entry, before the delayed poll message
 * is sent; the step is then the wait's phase as the audit log names it, e.g. {@code renaming}, {@code restoring}: a
 * kill then falls in a pending wait of an AWS engine, the delivery that found the resource pending not yet
 * acknowledged and its poll not sent). Only the first attempt of a delivery is held ({@link StepContext#attempt()}
 * 1), so the
 * attempt that resumes after the kill runs through. {@value #SECONDS_ENV} sets how long, seconds (default
 * {@value #DEFAULT_SECONDS}). While held, the step logs one line at WARN, {@code fault injection: holding ...} with
 * the run id, the step and the position, that a test waits for before it kills. The services' own heartbeats keep
 * running meanwhile, as they do for any long step.
 *
 * <p>Never set it in production: a held step is a step that waits for nothing.
 */
public final class FaultInjection {

    /** The environment variable naming the steps to hold. */
    public static final String HOLD_ENV = "DBREFRESH_FAULT_HOLD";
    /** The environment variable setting how long a step is held, seconds. */
    public static final String SECONDS_ENV = "DBREFRESH_FAULT_HOLD_SECONDS";
    /** How long a step is held when {@value #SECONDS_ENV} is not set, seconds. */
    public static final int DEFAULT_SECONDS = 120;

    /** Where in a step it is held. */
    public enum Position {
        /** After the {@code started} entry, before the step's work. */
        BEFORE,
        /** After the step's work, before its {@code succeeded} entry. */
        AFTER,
        /**
         * After a wait's {@code waiting} entry ({@link StepContext#waiting}), before the handler sends the delayed
         * poll message and returns: the wait is pending and this delivery is not yet acknowledged.
         */
        WAITING
    }

    private static final Logger LOG = LoggerFactory.getLogger(FaultInjection.class);
    private static final FaultInjection FROM_ENVIRONMENT = parse(System.getenv(HOLD_ENV), System.getenv(SECONDS_ENV));

    private final Set<String> holds;
    private final long holdMillis;

    private FaultInjection(Set<String> holds, long holdMillis) {
        this.holds = holds;
        this.holdMillis = holdMillis;
    }

    /** @return the hook as this process's environment sets it (off when {@value #HOLD_ENV} is unset or blank) */
    public static FaultInjection fromEnvironment() {
        return FROM_ENVIRONMENT;
    }

    /**
     * @param hold    the value of {@value #HOLD_ENV}, or {@code null}
     * @param seconds the value of {@value #SECONDS_ENV}, or {@code null} for {@value #DEFAULT_SECONDS}
     * @return the hook those values describe
     * @throws IllegalArgumentException when an entry is not {@code <plan>:<step>:before|after|waiting} or the seconds are not
     *                                  a positive whole number; the message names the entry
     */
    static FaultInjection parse(String hold, String seconds) {
        Set<String> holds = new LinkedHashSet<>();
        if (hold != null) {
            for (String entry : hold.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                String[] f = entry.trim().split(":");
                if (f.length != 3 || f[0].isBlank() || f[1].isBlank()) {
                    throw new IllegalArgumentException(HOLD_ENV + " entry '" + entry + "' is not <plan>:<step>:"
                            + "before|after|waiting, e.g. nightly:notify:before");
                }
                holds.add(key(f[0], f[1], position(entry, f[2])));
            }
        }
        long s = DEFAULT_SECONDS;
        if (seconds != null && !seconds.isBlank()) {
            try {
                s = Long.parseLong(seconds.trim());
            } catch (NumberFormatException e) {
                s = -1;
            }
            if (s <= 0) {
                throw new IllegalArgumentException(SECONDS_ENV + " is '" + seconds + "'; give a positive number of"
                        + " seconds");
            }
        }
        return new FaultInjection(Set.copyOf(holds), s * 1000);
    }

    private static Position position(String entry, String value) {
        try {
            return Position.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(HOLD_ENV + " entry '" + entry + "' names position '" + value
                    + "'; use before, after or waiting");
        }
    }

    private static String key(String plan, String step, Position position) {
        return plan.trim() + ":" + step.trim() + ":" + position;
    }

    /** @return whether any step is held */
    public boolean enabled() {
        return !holds.isEmpty();
    }

    /**
     * @param plan     the plan's name
     * @param stepId   the step as the audit log names it
     * @param position where in the step
     * @param attempt  the delivery's attempt number
     * @return whether that step is held there on that attempt
     */
    boolean holds(String plan, String stepId, Position position, int attempt) {
        return attempt == 1 && holds.contains(key(plan, stepId, position));
    }

    /**
     * Holds the step when {@value #HOLD_ENV} names it at that position (first attempts only); returns at once
     * otherwise.
     *
     * @param runId    the run, for the log line
     * @param plan     the plan's name
     * @param stepId   the step as the audit log names it
     * @param position where in the step
     * @param attempt  the delivery's attempt number
     * @throws InterruptedException when the thread is interrupted while held
     */
    void hold(String runId, String plan, String stepId, Position position, int attempt) throws InterruptedException {
        hold(runId, plan, stepId, position, attempt, () -> { });
    }

    /**
     * As {@link #hold(String, String, String, Position, int)}, first waiting for {@code beforeAnnounce} (the step
     * entered is written to the idempotency claim off the handler's thread: a kill on the announcement must find it
     * recorded).
     */
    void hold(String runId, String plan, String stepId, Position position, int attempt, Runnable beforeAnnounce)
            throws InterruptedException {
        if (!holds(plan, stepId, position, attempt)) {
            return;
        }
        beforeAnnounce.run();
        LOG.warn("fault injection: holding run {} step {} {} its work for {} s ({})", runId, stepId,
                position.name().toLowerCase(Locale.ROOT), holdMillis / 1000, HOLD_ENV);
        Thread.sleep(holdMillis);
        LOG.warn("fault injection: released run {} step {}", runId, stepId);
    }
}
