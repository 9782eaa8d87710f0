package dev.dbrefresh.runtime.secrets;

/**
 * Turns a secret reference from a plan into the secret's value. References, never values, are what
 * plans, events, logs and the audit log carry.
 *
 * <p>Reference forms: {@code env:NAME} (environment variable), {@code file:/path} (file content,
 * trailing newline removed), {@code arn:aws:secretsmanager:...} (AWS Secrets Manager
 * {@code GetSecretValue}; a JSON secret's {@code password} field is used, as in RDS-managed secrets).
 */
public interface SecretResolver {

    /**
     * @param reference a secret reference
     * @return the secret value; callers should clear the array after use
     * @throws SecretException when the reference has an unknown form or the secret cannot be read
     */
    char[] resolve(String reference);

    /** A secret that cannot be resolved; the message names the reference, never the value. */
    class SecretException extends RuntimeException {
        /** @param message what failed and how to fix it */
        public SecretException(String message) {
            super(message);
        }
    }
}
