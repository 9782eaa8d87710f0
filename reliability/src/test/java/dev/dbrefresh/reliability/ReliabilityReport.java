package dev.dbrefresh.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the reliability suite's figures when the test plan ends: one table (a row per scenario, a column per
 * figure), then the lines {@code reliability <figure> <value>} over all scenarios, the five that must be 0 last but
 * {@code max-seconds-to-resume}; a figure no scenario measured prints {@code not-measured}, never 0. Also writes them to {@code target/reliability.txt}. Registered through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class ReliabilityReport implements TestExecutionListener {

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        Map<String, Map<String, Double>> byScenario = Figures.byScenario();
        if (byScenario.isEmpty()) {
            return;
        }
        String report = render(byScenario, Figures.totals());
        System.out.println(report);
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "reliability.txt"), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param byScenario the figures per scenario
     * @param totals the figures over all scenarios
     * @return the table and the {@code reliability} lines, newline-separated
     */
    static String render(Map<String, Map<String, Double>> byScenario, Map<String, Double> totals) {
        TreeSet<String> columns = new TreeSet<>();
        byScenario.values().forEach(f -> columns.addAll(f.keySet()));
        int width = Math.max("scenario".length(), byScenario.keySet().stream().mapToInt(String::length).max()
                .orElse(0));
        StringBuilder out = new StringBuilder("\nreliability suite: figures per scenario\n");
        out.append(String.format("%-" + width + "s", "scenario"));
        columns.forEach(c -> out.append(" | ").append(c));
        out.append('\n');
        byScenario.forEach((scenario, figures) -> {
            out.append(String.format("%-" + width + "s", scenario));
            columns.forEach(c -> out.append(" | ").append(String.format("%" + c.length() + "s",
                    figures.containsKey(c) ? format(figures.get(c)) : "")));
            out.append('\n');
        });
        List<String> order = new ArrayList<>(totals.keySet().stream()
                .filter(f -> !List.of(Figures.MUST_BE_ZERO).contains(f) && !f.startsWith("max-")).toList());
        for (String zero : Figures.MUST_BE_ZERO) {
            order.add(zero);
        }
        totals.keySet().stream().filter(f -> f.startsWith("max-")).forEach(order::add);
        for (String figure : order) {
            out.append("reliability ").append(figure).append(' ').append(totals.containsKey(figure)
                    ? format(totals.get(figure)) : "not-measured")
                    .append('\n');
        }
        return out.toString();
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format("%.1f", value);
    }
}
