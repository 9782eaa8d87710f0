package dev.dbrefresh.runtime.secrets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Resolves the two local reference forms of {@link SecretResolver}:
 * <ul>
 *   <li>{@code env:NAME}: the value of environment variable {@code NAME} (as given, may be empty);</li>
 *   <li>{@code file:/path}: the content of the file, decoded as UTF-8, with trailing {@code \n} and
 *       {@code \r} characters removed (as written by {@code echo secret > file} or a Kubernetes secret volume); a
 *       regular file of at most {@link #MAX_FILE_BYTES} bytes (not a device, FIFO or directory).</li>
 * </ul>
 * Any other form (including {@code arn:aws:secretsmanager:...}, which needs the Secrets Manager resolver)
 * is refused with a {@link SecretException}. Messages name the reference (for {@code env:} and
 * {@code file:}) or only its scheme (for other forms, in case a plain password was pasted where a
 * reference belongs), never a secret value.
 */
public final class EnvFileSecretResolver implements SecretResolver {

    /** Largest secret file read, bytes: a password, a key or a connection string, never more. */
    public static final int MAX_FILE_BYTES = 64 * 1024;

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]{0,30}");

    private final Function<String, String> env;

    /** Reads environment variables of this process ({@link System#getenv(String)}). */
    public EnvFileSecretResolver() {
        this(System::getenv);
    }

    /**
     * @param env looks up an environment variable by name, returning {@code null} when it is not set
     *            (tests pass a map's {@code get})
     */
    public EnvFileSecretResolver(Function<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * @param reference {@code env:NAME} or {@code file:/path}
     * @return the secret's characters; the caller clears the array after use
     * @throws SecretException when the reference is null or of another form, the variable is not set,
     *                         or the file cannot be read or is not valid UTF-8
     */
    @Override
    public char[] resolve(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new SecretException("secret reference is missing; use env:NAME or file:/path");
        }
        if (reference.startsWith("env:")) {
            String name = reference.substring("env:".length());
            if (!ENV_NAME.matcher(name).matches()) {
                throw new SecretException("secret reference '" + reference + "' does not name an environment variable;"
                        + " use env:NAME with NAME made of letters, digits and _");
            }
            String value = env.apply(name);
            if (value == null) {
                throw new SecretException("environment variable " + name + " (secret reference '" + reference
                        + "') is not set; set it in the service's environment");
            }
            return value.toCharArray();
        }
        if (reference.startsWith("file:")) {
            return readFile(reference, reference.substring("file:".length()));
        }
        int colon = reference.indexOf(':');
        String scheme = colon > 0 && SCHEME.matcher(reference.substring(0, colon)).matches()
                ? "'" + reference.substring(0, colon) + ":...'" : "without a known scheme (value not shown)";
        throw new SecretException("secret reference " + scheme + " has an unsupported reference form for this"
                + " resolver; use env:NAME or file:/path (arn:aws:secretsmanager:... needs the Secrets Manager resolver)");
    }

    private static char[] readFile(String reference, String pathText) {
        if (pathText.isEmpty()) {
            throw new SecretException("secret reference '" + reference + "' names no file; use file:/path/to/secret");
        }
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw new SecretException("secret reference '" + reference + "' is not a valid path: " + e.getReason());
        }
        byte[] bytes;
        try {
            // a device (/dev/zero, /dev/urandom), a FIFO or a directory is no secret file: reading it would not end
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                throw new SecretException("secret reference '" + reference + "' names " + path + ", which is not a"
                        + " regular file; point it at a file holding the secret");
            }
            if (Files.isRegularFile(path) && Files.size(path) > MAX_FILE_BYTES) {
                throw new SecretException("secret file " + path + " (secret reference '" + reference + "') is larger"
                        + " than " + MAX_FILE_BYTES + " bytes; a secret file holds one password or key");
            }
            try (var in = Files.newInputStream(path)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                Arrays.fill(bytes, (byte) 0);
                throw new SecretException("secret file " + path + " (secret reference '" + reference + "') is larger"
                        + " than " + MAX_FILE_BYTES + " bytes; a secret file holds one password or key");
            }
        } catch (NoSuchFileException e) {
            throw new SecretException("secret file " + path + " (secret reference '" + reference
                    + "') does not exist; mount or create it");
        } catch (IOException e) {
            throw new SecretException("cannot read secret file " + path + " (secret reference '" + reference + "'): "
                    + e.getClass().getSimpleName() + "; check its permissions");
        }
        int len = bytes.length;
        while (len > 0 && (bytes[len - 1] == '\n' || bytes[len - 1] == '\r')) {
            len--;
        }
        CharBuffer chars = null;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, len));
            char[] result = new char[chars.remaining()];
            chars.get(result);
            return result;
        } catch (CharacterCodingException e) {
            throw new SecretException("secret file " + path + " (secret reference '" + reference
                    + "') is not valid UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (chars != null && chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }
}
