package dev.dbrefresh.runtime.secrets;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The service's {@link SecretResolver}: {@code env:} and {@code file:} references locally, and
 * Secrets Manager ARNs through {@code GetSecretValue}.
 */
@Factory
public class SecretResolvers {

    /**
     * @param secretsManager the Secrets Manager client
     * @return a resolver for every supported reference form
     */
    @Singleton
    public SecretResolver secretResolver(SecretsManagerClient secretsManager) {
        EnvFileSecretResolver local = new EnvFileSecretResolver();
        return reference -> {
            if (reference != null && reference.startsWith("arn:aws:secretsmanager:")) {
                String value = secretsManager.getSecretValue(r -> r.secretId(reference)).secretString();
                if (value != null && value.trim().startsWith("{")) {
                    var node = dev.dbrefresh.contracts.EventCodec.fromJson(value,
                            com.fasterxml.jackson.databind.JsonNode.class);
                    if (!node.hasNonNull("password")) {
                        throw new SecretResolver.SecretException("secret " + reference
                                + " is JSON without a 'password' field");
                    }
                    value = node.get("password").asText();
                }
                return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).toCharArray();
            }
            return local.resolve(reference);
        };
    }
}
