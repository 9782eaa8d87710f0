package dev.dbrefresh.runtime.plan;

/**
 * How a plan waits for work that AWS or a server does in the background (a snapshot copy, a cluster delete or
 * restore, a table restore): delayed poll messages whose delay doubles from {@code firstPollSeconds} up to
 * {@code maxPollSeconds}, and a deadline after which the run fails with {@code WAIT_DEADLINE_EXCEEDED}. From the
 * plan's {@code wait} keys, the same for every engine; the defaults differ by engine ({@link #defaultsFor}).
 *
 * @param firstPollSeconds first delay of a wait, seconds, 1..900 ({@code wait.first-poll-seconds})
 * @param maxPollSeconds   cap of the doubling delay, seconds, {@code firstPollSeconds}..900 (900 is SQS's
 *                         largest message delay, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html)
 *                         ({@code wait.max-poll-seconds})
 * @param deadlineMinutes  a wait that lasts longer fails the run, minutes, at least 1 ({@code wait.deadline-minutes})
 */
public record WaitSettings(int firstPollSeconds, int maxPollSeconds, int deadlineMinutes) {

    /** SQS's largest {@code DelaySeconds}. */
    public static final int MAX_DELAY_SECONDS = 900;

    /** @throws PlanException when a value is out of its range */
    public WaitSettings {
        if (firstPollSeconds < 1 || firstPollSeconds > MAX_DELAY_SECONDS) {
            throw new PlanException("wait.first-poll-seconds must be between 1 and " + MAX_DELAY_SECONDS + ", was "
                    + firstPollSeconds);
        }
        if (maxPollSeconds < firstPollSeconds || maxPollSeconds > MAX_DELAY_SECONDS) {
            throw new PlanException("wait.max-poll-seconds must be between wait.first-poll-seconds (" + firstPollSeconds
                    + ") and " + MAX_DELAY_SECONDS + ", was " + maxPollSeconds);
        }
        if (deadlineMinutes < 1) {
            throw new PlanException("wait.deadline-minutes must be at least 1, was " + deadlineMinutes);
        }
    }

    /**
     * @param cluster whether the plan uses a cluster engine
     * @return the defaults: cluster engines 30 s doubling to 900 s, 360 minutes (cluster deletes and restores
     *         take tens of minutes); the others a poll every 5 s, 60 minutes (a DynamoDB table restore)
     */
    public static WaitSettings defaultsFor(boolean cluster) {
        return cluster ? new WaitSettings(30, 900, 360) : new WaitSettings(5, 5, 60);
    }

    /**
     * @param attempt poll attempt, 1 for the first
     * @return the delay before that poll, seconds: {@code first * 2^(attempt-1)}, capped at {@code maxPollSeconds}
     */
    public int pollDelaySeconds(int attempt) {
        long delay = (long) firstPollSeconds << Math.min(20, Math.max(0, attempt - 1));
        return (int) Math.min(maxPollSeconds, delay);
    }
}
