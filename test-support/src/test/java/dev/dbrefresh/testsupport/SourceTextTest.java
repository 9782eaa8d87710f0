package dev.dbrefresh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceTextTest {

    /** The scans that use it cannot fail unless literals survive and comments go. */
    @Test
    void withoutComments_shouldKeepLiteralsAndBlankComments() {
        String code = SourceText.withoutComments("// pg_dump here\n/** pg_restore\n */ char q = '\\''; char d = '\"';"
                + " String s = \"pg_dump\"; /* x */ String t = \"\"\"\n  // kept\n  \"\"\";");

        assertThat(code).contains("\"pg_dump\"", "// kept", "char q = '\\''", "char d = '\"'")
                .doesNotContain("pg_restore", "here", "x */");
    }

    @Test
    void withoutComments_shouldKeepOffsetsAndLineBreaks() {
        String source = "a /* one\n two */ b // three\nc";

        String code = SourceText.withoutComments(source);

        assertThat(code).hasSameSizeAs(source);
        assertThat(code.split("\n", -1)).hasSize(3);
        assertThat(code.indexOf('c')).isEqualTo(source.indexOf('c'));
    }
}
