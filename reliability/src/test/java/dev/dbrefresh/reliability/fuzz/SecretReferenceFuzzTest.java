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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * Secret references in plans ({@code password-secret}, {@code key-secret}, {@code uri-secret}) and the values they
 * lead to: {@link EnvFileSecretResolver} ({@code env:}, {@code file:}) for any reference, and the Secrets Manager
 * value parser of {@link SecretResolvers} (text, or JSON with a {@code password}) for any secret string. The result is
 * the secret, or a {@link SecretResolver.SecretException} with a clear message that never quotes the secret's value —
 * for a reference to a device, a directory or a huge file too (no endless read, no OutOfMemoryError).
 */
@AddLifecycleHook(FuzzSeed.class)
class SecretReferenceFuzzTest {

    /** A distinctive password: it must appear in no error message. */
    static final String PASSWORD = "Fz9-distinctive-Pw-7731";
    private static final Path DIR = files();
    private static final Map<String, String> ENV = Map.of("APP_PASSWORD", PASSWORD, "EMPTY", "", "X", PASSWORD);
    private static final EnvFileSecretResolver LOCAL = new EnvFileSecretResolver(ENV::get);

    @Property(tries = 10_000)
    void anyReference_resolves_orIsRefusedWithoutShowingTheSecret(@ForAll("references") String reference) {
        char[] value = Fuzz.expect("secret-reference", () -> LOCAL.resolve(reference),
                SecretResolver.SecretException.class);
        if (value == null) {
            assertThat(lastRefusal(() -> LOCAL.resolve(reference))).doesNotContain(PASSWORD);
        }
    }

    @Property(tries = 10_000)
    void anySecretsManagerValue_givesThePassword_orIsRefusedWithoutShowingIt(@ForAll("secretStrings") String secret) {
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

    @Provide
    Arbitrary<String> references() {
        Arbitrary<String> env = Fuzz.hostile().map(h -> "env:" + h);
        Arbitrary<String> file = Fuzz.hostile().map(h -> "file:" + h);
        Arbitrary<String> special = Arbitraries.of("env:APP_PASSWORD", "env:EMPTY", "env:X", "env:", "file:", "file:/",
                "file:/dev/zero", "file:/dev/urandom", "file:/dev/null", "file:/proc/self/status", "file:/etc",
                "file:" + DIR.resolve("ok"), "file:" + DIR.resolve("huge"), "file:" + DIR.resolve("latin1"),
                "file:" + DIR.resolve("missing"), "file:" + DIR.resolve("dir"), "file:" + DIR.resolve("newlines"),
                "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x", PASSWORD, "password=" + PASSWORD,
                "file:" + DIR + "/../" + DIR.getFileName() + "/ok", "file:\0", "env:\0");
        return Arbitraries.frequencyOf(Tuple.of(4, env), Tuple.of(4, file), Tuple.of(4, special),
                Tuple.of(3, Fuzz.hostile()), Tuple.of(1, Arbitraries.just(null)));
    }

    @Provide
    Arbitrary<String> secretStrings() {
        Arbitrary<String> json = Combinators.combine(Fuzz.json(3), Arbitraries.of(true, false)).as((j, wrap) -> wrap
                ? "{\"username\":\"u\",\"password\":" + j + "}" : j.toString());
        return Arbitraries.frequencyOf(Tuple.of(3, json), Tuple.of(2, Fuzz.damaged(Arbitraries.of(
                "{\"username\":\"app\",\"password\":\"" + PASSWORD + "\"}"))),
                Tuple.of(2, Fuzz.hostile()), Tuple.of(1, Fuzz.deeplyNested()),
                Tuple.of(2, Fuzz.hostile().map(h -> "{\"password\": \"" + PASSWORD + h)), Tuple.of(1, Fuzz.randomBytes()),
                Tuple.of(1, Arbitraries.of("{", " {", "{}", "{\"password\":null}", "{\"password\":\"\"}", "", PASSWORD)),
                Tuple.of(1, Arbitraries.just(null)));
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
