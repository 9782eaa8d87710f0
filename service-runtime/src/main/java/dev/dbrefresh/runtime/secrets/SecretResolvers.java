package dev.dbrefresh.runtime.secrets;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The service's {@link SecretResolver}: {@code env:} and {@code file:} references locally, and
 * Secrets Manager ARNs through {@code GetSecretValue}.
 *
 * <p>A Secrets Manager value is either the password as plain text, or a JSON object whose
 * {@code password} field is the password (the shape of RDS-managed and rotated secrets, see
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
 * A value that cannot be used is refused with a {@link SecretResolver.SecretException} that names the
 * secret's ARN and what is wrong, and quotes nothing of the value: not the parser's message (which
 * echoes the text it choked on), no field names, and no cause exception.
 */
@Factory
public class SecretResolvers {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param secretsManager the Secrets Manager client
     * @return a resolver for every supported reference form
     */
    @Singleton
    public SecretResolver secretResolver(SecretsManagerClient secretsManager) {
        EnvFileSecretResolver local = new EnvFileSecretResolver();
        return reference -> {
            if (reference != null && reference.startsWith("arn:aws:secretsmanager:")) {
                return password(reference, secretsManager.getSecretValue(r -> r.secretId(reference)).secretString());
            }
            return local.resolve(reference);
        };
    }

    /**
     * The password held by a Secrets Manager value.
     *
     * @param reference    the secret's ARN, for messages
     * @param secretString the value's {@code SecretString}, {@code null} for a binary secret
     * @return the password's characters; the caller clears the array after use
     * @throws SecretResolver.SecretException when the value is binary, empty, starts with <code>{</code> but
     *                                        does not parse as JSON, or is an object without a non-empty
     *                                        string {@code password}; the message never quotes the value
     */
    static char[] password(String reference, String secretString) {
        String fix = "; store the password as text or as JSON {\"username\": ..., \"password\": ...}"
                + " (the value is not shown)";
        if (secretString == null) {
            throw new SecretResolver.SecretException("secret " + reference + " has no SecretString (a binary"
                    + " secret)" + fix);
        }
        if (secretString.isEmpty()) {
            throw new SecretResolver.SecretException("secret " + reference + " is empty" + fix);
        }
        String trimmed = secretString.trim();
        if (!trimmed.startsWith("{")) {
            return secretString.toCharArray();
        }
        JsonNode node;
        try {
            node = JSON.readTree(secretString);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the text it could not parse: keep only where it stopped.
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (parsing stopped at line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")";
            throw new SecretResolver.SecretException("secret " + reference + " starts like JSON but is not valid"
                    + " JSON" + where + fix);
        }
        JsonNode password = node.get("password");
        if (password == null || password.isNull()) {
            throw new SecretResolver.SecretException("secret " + reference + " is JSON without a 'password' field"
                    + fix);
        }
        if (!password.isTextual() || password.textValue().isEmpty()) {
            throw new SecretResolver.SecretException("secret " + reference + " has a 'password' field that is not"
                    + " a non-empty string" + fix);
        }
        return password.textValue().toCharArray();
    }
}
