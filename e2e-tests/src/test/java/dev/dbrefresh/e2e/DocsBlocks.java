package dev.dbrefresh.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code ```bash} blocks of a Markdown page, in order, each with the {@code ## } heading it stands under and,
 * where the paragraph right before its opening fence starts with one of {@link #MARKERS}, that paragraph: the
 * convention by which docs/aws.md says which blocks are not run against an emulator (its section "How this page
 * is tested").
 */
final class DocsBlocks {

    /** The line starts that mark a block as not run by the docs test. */
    static final List<String> MARKERS = List.of("**Real AWS only:**", "**When needed:**");

    /**
     * One block.
     *
     * @param line    the line number (1-based) of its opening fence
     * @param heading the {@code ## } heading it stands under (without the hashes)
     * @param text    its lines, without the fences, each ending in a newline
     * @param marker  the marker paragraph before it, if any
     */
    record Block(int line, String heading, String text, Optional<String> marker) {
        /** @return whether the docs test runs it */
        boolean runs() {
            return marker.isEmpty();
        }
    }

    private DocsBlocks() {
    }

    /**
     * @param markdown the page
     * @return its bash blocks, in order
     * @throws IllegalArgumentException when a block is not closed (its line is in the message)
     */
    static List<Block> parse(String markdown) {
        String[] lines = markdown.split("\n", -1);
        List<Block> blocks = new ArrayList<>();
        String heading = "";
        String paragraph = "";
        boolean afterBlank = true;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("## ")) {
                heading = line.substring(3).trim();
            }
            if (line.trim().equals("```bash")) {
                int open = i;
                StringBuilder text = new StringBuilder();
                for (i = i + 1; i < lines.length && !lines[i].trim().equals("```"); i++) {
                    text.append(lines[i]).append('\n');
                }
                if (i == lines.length) {
                    throw new IllegalArgumentException("the ```bash block of line " + (open + 1) + " is not closed");
                }
                String before = paragraph.trim();
                Optional<String> marker = MARKERS.stream().anyMatch(before::startsWith) ? Optional.of(before)
                        : Optional.empty();
                blocks.add(new Block(open + 1, heading, text.toString(), marker));
                paragraph = "";
                afterBlank = false;
            } else if (line.isBlank()) {
                afterBlank = true;
            } else {
                paragraph = afterBlank ? line : paragraph + " " + line;
                afterBlank = false;
            }
        }
        return blocks;
    }
}
