package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolvers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import org.junit.jupiter.api.Test;

/**
 * Secret references in plans ({@code password-secret}, {@code key-secret}, {@code uri-secret}) and the values they
 * lead to: {@link EnvFileSecretResolver} ({@code env:}, {@code file:}) for any reference, and the Secrets Manager
 * value parser of {@link SecretResolvers} (text, or JSON with a {@code password}) for any secret string. The result is
 * the secret, or a {@link SecretResolver.SecretException} with a clear message that never quotes the secret's value —
 * for a reference to a device, a directory or a huge file too (no endless read, no OutOfMemoryError).
 */
class SecretReferenceFuzzTest {

    /** A distinctive password: it must appear in no error message. */
    static final String PASSWORD = "Fz9-distinctive-Pw-7731";
    private static final Path DIR = files();
    private static final Map<String, String> ENV = Map.of("APP_PASSWORD", PASSWORD, "EMPTY", "", "X", PASSWORD);
    private static final EnvFileSecretResolver LOCAL = new EnvFileSecretResolver(ENV::get);

    @Test
    void anyReference_resolves_orIsRefusedWithoutShowingTheSecret() {
        Property.check("anyReference_resolves_orIsRefusedWithoutShowingTheSecret", 10_000, references(),
                this::anyReference_resolves_orIsRefusedWithoutShowingTheSecret);
    }

    void anyReference_resolves_orIsRefusedWithoutShowingTheSecret(String reference) {
        char[] value = Fuzz.expect("secret-reference", () -> LOCAL.resolve(reference),
                SecretResolver.SecretException.class);
        if (value == null) {
            assertThat(lastRefusal(() -> LOCAL.resolve(reference))).doesNotContain(PASSWORD);
        }
    }

    @Test
    void anySecretsManagerValue_givesThePassword_orIsRefusedWithoutShowingIt() {
        Property.check("anySecretsManagerValue_givesThePassword_orIsRefusedWithoutShowingIt", 10_000, secretStrings(),
                this::anySecretsManagerValue_givesThePassword_orIsRefusedWithoutShowingIt);
    }

    void anySecretsManagerValue_givesThePassword_orIsRefusedWithoutShowingIt(String secret) {
        SecretResolver resolver = new SecretResolvers().secretResolver(secretsManager(secret));
        String arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:fuzz";
        char[] value = Fuzz.expect("secrets-manager-value", () -> resolver.resolve(arn),
                SecretResolver.SecretException.class);
        if (value == null) {
            String message = lastRefusal(() -> resolver.resolve(arn));
            assertThat(message).doesNotContain(PASSWORD);
        } else {
            assertThat(value).isNotEmpty();
        }
    }

    private static String lastRefusal(Runnable call) {
        try {
            call.run();
            return "";
        } catch (SecretResolver.SecretException e) {
            return e.getMessage();
        }
    }

    Gen<String> references() {
        Gen<String> env = Fuzz.hostile().map(h -> "env:" + h);
        Gen<String> file = Fuzz.hostile().map(h -> "file:" + h);
        Gen<String> special = Gen.of("env:APP_PASSWORD", "env:EMPTY", "env:X", "env:", "file:", "file:/",
                "file:/dev/zero", "file:/dev/urandom", "file:/dev/null", "file:/proc/self/status", "file:/etc",
                "file:" + DIR.resolve("ok"), "file:" + DIR.resolve("huge"), "file:" + DIR.resolve("latin1"),
                "file:" + DIR.resolve("missing"), "file:" + DIR.resolve("dir"), "file:" + DIR.resolve("newlines"),
                "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x", PASSWORD, "password=" + PASSWORD,
                "file:" + DIR + "/../" + DIR.getFileName() + "/ok", "file:\0", "env:\0");
        return Gen.frequencyOf(Gen.weighted(4, env), Gen.weighted(4, file), Gen.weighted(4, special),
                Gen.weighted(3, Fuzz.hostile()), Gen.weighted(1, Gen.just(null)));
    }

    Gen<String> secretStrings() {
        Gen<String> json = Gen.combine(Fuzz.json(3), Gen.of(true, false)).as((j, wrap) -> wrap
                ? "{\"username\":\"u\",\"password\":" + j + "}" : j.toString());
        return Gen.frequencyOf(Gen.weighted(3, json), Gen.weighted(2, Fuzz.damaged(Gen.of(
                "{\"username\":\"app\",\"password\":\"" + PASSWORD + "\"}"))),
                Gen.weighted(2, Fuzz.hostile()), Gen.weighted(1, Fuzz.deeplyNested()),
                Gen.weighted(2, Fuzz.hostile().map(h -> "{\"password\": \"" + PASSWORD + h)), Gen.weighted(1, Fuzz.randomBytes()),
                Gen.weighted(1, Gen.of("{", " {", "{}", "{\"password\":null}", "{\"password\":\"\"}", "", PASSWORD)),
                Gen.weighted(1, Gen.just(null)));
    }

    /** The Secrets Manager client's interface answering GetSecretValue with the fuzzed value (the parser is real). */
    private static SecretsManagerClient secretsManager(String secretString) {
        return new SecretsManagerClient() {
            @Override
            public GetSecretValueResponse getSecretValue(GetSecretValueRequest request) {
                return GetSecretValueResponse.builder().arn(request.secretId()).secretString(secretString).build();
            }

            @Override
            public GetSecretValueResponse getSecretValue(Consumer<GetSecretValueRequest.Builder> request) {
                return getSecretValue(GetSecretValueRequest.builder().applyMutation(request).build());
            }

            @Override
            public String serviceName() {
                return "secretsmanager";
            }

            @Override
            public void close() {
            }
        };
    }

    private static Path files() {
        try {
            Path dir = Files.createTempDirectory("dbrefresh-fuzz-secrets");
            Files.writeString(dir.resolve("ok"), PASSWORD + "\n");
            Files.writeString(dir.resolve("newlines"), "\n\r\n");
            Files.write(dir.resolve("latin1"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
            Files.createDirectories(dir.resolve("dir"));
            try (var out = Files.newOutputStream(dir.resolve("huge"))) {
                byte[] mb = new byte[1 << 20];
                java.util.Arrays.fill(mb, (byte) 'a');
                for (int i = 0; i < 16; i++) {
                    out.write(mb);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
