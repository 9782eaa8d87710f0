package dev.dbrefresh.runtime.secrets;

import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvFileSecretResolverTest {

    private final EnvFileSecretResolver resolver = new EnvFileSecretResolver(Map.of("DB_PW", "s3cret", "EMPTY", "")::get);

    @Test
    void resolve_shouldReadEnvironmentVariable() {
        assertThat(resolver.resolve("env:DB_PW")).containsExactly('s', '3', 'c', 'r', 'e', 't');
        assertThat(resolver.resolve("env:EMPTY")).isEmpty();
    }

    @Test
    void resolve_shouldNameTheVariable_whenItIsNotSet() {
        assertThatThrownBy(() -> resolver.resolve("env:NOT_SET_ANYWHERE"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("NOT_SET_ANYWHERE").hasMessageContaining("not set");
        assertThatThrownBy(() -> resolver.resolve("env:")).isInstanceOf(SecretException.class);
    }

    @Test
    void resolve_shouldReadFile_withoutTrailingNewline(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pw");
        Files.write(f, "pä ss\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(resolver.resolve("file:" + f))).isEqualTo("pä ss");
        Files.write(f, "crlf\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(resolver.resolve("file:" + f))).isEqualTo("crlf");
        Files.write(f, "inner\nline".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(resolver.resolve("file:" + f))).isEqualTo("inner\nline");
    }

    @Test
    void resolve_shouldNameTheFile_whenItIsMissing(@TempDir Path dir) {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> resolver.resolve("file:" + missing))
                .isInstanceOf(SecretException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void resolve_shouldRefuseUnknownForms_withoutEchoingAPastedValue() {
        assertThatThrownBy(() -> resolver.resolve("arn:aws:secretsmanager:eu-west-1:1:secret:x"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("unsupported reference form").hasMessageContaining("env:")
                .hasMessageContaining("file:").hasMessageContaining("'arn:...'");
        assertThatThrownBy(() -> resolver.resolve("hunter2"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("unsupported reference form").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> resolver.resolve(null)).isInstanceOf(SecretException.class);
    }

    @Test
    void noArgConstructor_shouldReadTheProcessEnvironment() {
        String path = System.getenv("PATH");
        assertThat(new String(new EnvFileSecretResolver().resolve("env:PATH"))).isEqualTo(path);
    }
}
