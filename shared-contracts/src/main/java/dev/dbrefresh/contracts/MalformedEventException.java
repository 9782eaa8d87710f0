package dev.dbrefresh.contracts;

/**
 * A message that cannot be a dbrefresh event: not JSON, no envelope, an unknown type, or a payload
 * that does not match its type. Never retried: the consumer moves it to the DLQ with
 * {@link #getMessage()} as the reason.
 */
public class MalformedEventException extends RuntimeException {

    /** @param reason what is wrong with the message and what a valid one looks like */
    public MalformedEventException(String reason) {
        super(reason);
    }

    /**
     * @param reason what is wrong with the message
     * @param cause  the parser's error
     */
    public MalformedEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
