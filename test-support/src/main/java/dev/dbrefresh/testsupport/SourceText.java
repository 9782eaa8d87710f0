package dev.dbrefresh.testsupport;

/** Java source text as the source-scanning policy tests read it (shared-contracts' NoLiteralCodesTest, policy-tests). */
public final class SourceText {

    private SourceText() {
    }

    /**
     * Blanks comments (keeping line breaks, so offsets and line numbers stay those of the source), leaving string,
     * text block and character literals as they are.
     *
     * @param source a Java source
     * @return the source with every {@code //} and {@code /* *}{@code /} comment replaced by spaces
     */
    public static String withoutComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? source.length() : end + 3;
                out.append(source, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, source.length());
                out.append(source, i, j);
                i = j;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                end = end < 0 ? source.length() : end;
                out.append(" ".repeat(end - i));
                i = end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
                source.substring(i, end).chars().forEach(ch -> out.append(ch == '\n' ? '\n' : ' '));
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
