package dev.dbrefresh.runtime.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SecretResolvers#password}: what a Secrets Manager value yields, and errors that quote none of it. */
class SecretResolversTest {

    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:dbrefresh/acc-app-AbCdEf";
    private static final String PLANTED = "Pl4nted-S3cret";

    @Test
    void password_shouldBeTheValue_whenValueIsPlainText() {
        assertThat(SecretResolvers.password(ARN, PLANTED)).containsExactly(PLANTED.toCharArray());
    }

    @Test
    void password_shouldBeThePasswordField_whenValueIsJson() {
        assertThat(SecretResolvers.password(ARN, "{\"username\":\"app\",\"password\":\"" + PLANTED + "\"}"))
                .containsExactly(PLANTED.toCharArray());
    }

    @Test
    void password_shouldQuoteNothingOfTheValue_whenValueIsMalformed() {
        List<String> malformed = List.of(
                "{\"username\":\"" + PLANTED + "\",\"pass\":\"" + PLANTED + "\"}",   // no password field
                "{\"" + PLANTED + "\": 1}",                                         // field name is the secret
                "{\"password\": " + PLANTED + "}",                                  // not JSON: unquoted token
                "{\"password\":\"" + PLANTED,                                       // not JSON: cut off
                "{ " + PLANTED + " }",                                              // not JSON at all
                "{\"password\": 4711" + PLANTED.length() + "0815}",                 // not a string
                "{\"password\": {\"value\":\"" + PLANTED + "\"}}",                  // not a string
                "{\"password\": \"\", \"old\":\"" + PLANTED + "\"}");               // empty

        for (String value : malformed) {
            SecretException e = catchThrowableOfType(() -> SecretResolvers.password(ARN, value), SecretException.class);
            assertThat(e).as("error for a malformed value").isNotNull();
            assertThat(e.getMessage()).as("message for a malformed value").contains(ARN).contains("not shown")
                    .doesNotContain(PLANTED).doesNotContain("Pl4nted").doesNotContain("4711").doesNotContain("0815");
            assertThat(e.getCause()).as("cause (its message would quote the value)").isNull();
            assertThat(e.getSuppressed()).isEmpty();
        }
    }

    @Test
    void password_shouldNameTheProblem_whenValueIsBinaryOrEmpty() {
        assertThat(catchThrowableOfType(() -> SecretResolvers.password(ARN, null), SecretException.class))
                .hasMessageContaining(ARN).hasMessageContaining("binary");
        assertThat(catchThrowableOfType(() -> SecretResolvers.password(ARN, ""), SecretException.class))
                .hasMessageContaining(ARN).hasMessageContaining("empty");
        assertThat(catchThrowableOfType(() -> SecretResolvers.password(ARN, "{\"user\":\"app\"}"), SecretException.class))
                .hasMessageContaining("without a 'password' field");
    }
}
