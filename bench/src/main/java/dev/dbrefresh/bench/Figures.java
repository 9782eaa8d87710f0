package dev.dbrefresh.bench;

import dev.dbrefresh.runtime.audit.AuditEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arithmetic of the benchmark, apart from anything that runs: medians and percentiles of measured
 * times, event hops read from a run's audit entries, {@code VmRSS} read from {@code /proc/<pid>/status}, and
 * the {@code ratio <name> <value>} lines. Pure functions; {@code BenchFiguresTest} checks them.
 */
public final class Figures {

    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB\\s*$");

    /** A figure line of {@code ReplaceBenchmark}: {@code <what> <s> s <n> documents/s <m> MB/s}. */
    private static final Pattern MONGO_LINE = Pattern.compile(
            "^(\\S.*?)\\s+(\\d+(?:\\.\\d+)?) s\\s+(\\d+) documents/s\\s+(\\d+(?:\\.\\d+)?) MB/s\\s*$");

    private Figures() {
    }

    /**
     * One measured line of the mongodb benchmark.
     *
     * @param what        what was timed, e.g. {@code replace (engine)}, {@code naive copy}
     * @param seconds     wall-clock seconds
     * @param documentsPerSecond documents of the data set per second
     * @param megabytesPerSecond MB (10^6 bytes of BSON) of the data set per second
     */
    public record MongoFigure(String what, double seconds, long documentsPerSecond, double megabytesPerSecond) {
    }

    /**
     * Reads the figure lines of {@code engine-mongodb/bench.sh} ({@code ReplaceBenchmark}'s {@code print}:
     * {@code "%-20s %7.2f s  %9.0f documents/s  %6.1f MB/s"}); every other line (its log lines, the data set line) is
     * skipped.
     *
     * @param output the benchmark's standard output, by line
     * @return the figures in the order printed, empty when there are none
     */
    public static List<MongoFigure> mongoFigures(List<String> output) {
        List<MongoFigure> figures = new ArrayList<>();
        for (String line : output) {
            Matcher m = MONGO_LINE.matcher(line);
            if (m.matches()) {
                figures.add(new MongoFigure(m.group(1).trim(), Double.parseDouble(m.group(2)), Long.parseLong(m.group(3)),
                        Double.parseDouble(m.group(4))));
            }
        }
        return figures;
    }

    /**
     * @param figures the mongodb benchmark's figures
     * @param what    the line's name, e.g. {@code naive copy}
     * @return its seconds, empty when the benchmark printed no such line
     */
    public static OptionalDouble mongoSeconds(List<MongoFigure> figures, String what) {
        return figures.stream().filter(f -> f.what().equals(what)).mapToDouble(MongoFigure::seconds).findFirst();
    }

    /**
     * @param values measured values (any unit), not necessarily sorted
     * @return the median (mean of the two middle values for an even count), empty for no values
     */
    public static OptionalDouble median(List<Double> values) {
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return OptionalDouble.of(n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
    }

    /**
     * The nearest-rank percentile: the smallest value with at least {@code p} percent of the values at or below
     * it (so p99 of fewer than 100 values is the largest one).
     *
     * @param values measured values, not necessarily sorted
     * @param p      percentile, in (0, 100]
     * @return the value, empty for no values
     * @throws IllegalArgumentException when {@code p} is outside (0, 100]
     */
    public static OptionalDouble percentile(List<Double> values, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<Double> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return OptionalDouble.of(sorted.get(Math.max(1, rank) - 1));
    }

    /**
     * The event hops of one run: for each pair of neighbouring services of the pipeline, the time from the
     * upstream service's last audit entry before the downstream service's first entry, to that first entry
     * (whatever their statuses: a dry run writes {@code planned} where a run writes {@code started} and
     * {@code succeeded}). That is the time the event spent being published, queued, received, decoded, claimed
     * and checked. A pair with no such entries (a run that failed early) gives no hop.
     *
     * @param entries  a run's audit entries, in any order
     * @param services service names in pipeline order, e.g. {@code snapshot-service, cluster-service, ...}
     * @return one duration per hop found, in pipeline order
     */
    public static List<Duration> hops(List<AuditEntry> entries, List<String> services) {
        List<Duration> hops = new ArrayList<>();
        for (int i = 0; i + 1 < services.size(); i++) {
            String up = services.get(i);
            String down = services.get(i + 1);
            Optional<Instant> arrived = entries.stream().filter(e -> down.equals(e.service())).map(AuditEntry::at)
                    .min(Comparator.naturalOrder());
            if (arrived.isEmpty()) {
                continue;
            }
            entries.stream().filter(e -> up.equals(e.service())).map(AuditEntry::at)
                    .filter(at -> !at.isAfter(arrived.get())).max(Comparator.naturalOrder())
                    .ifPresent(left -> hops.add(Duration.between(left, arrived.get())));
        }
        return hops;
    }

    /**
     * @param procStatus the text of {@code /proc/<pid>/status} (proc(5): {@code VmRSS:  262144 kB})
     * @return resident set size in KiB, empty when the text has no {@code VmRSS} line (a process that ended)
     */
    public static Optional<Long> vmRssKib(String procStatus) {
        Matcher m = VM_RSS.matcher(procStatus);
        return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /**
     * @param name        ratio name, e.g. {@code dbrefresh/hand-run}
     * @param numerator   e.g. dbrefresh's median seconds
     * @param denominator e.g. the hand-run median seconds
     * @return {@code ratio <name> <value>} with two decimals, or {@code ratio <name> n/a} when either side is
     *         missing or the denominator is not positive
     */
    public static String ratioLine(String name, OptionalDouble numerator, OptionalDouble denominator) {
        if (numerator.isEmpty() || denominator.isEmpty() || denominator.getAsDouble() <= 0) {
            return "ratio " + name + " n/a";
        }
        return String.format(Locale.ROOT, "ratio %s %.2f", name, numerator.getAsDouble() / denominator.getAsDouble());
    }

    /**
     * @param value seconds, or empty
     * @return {@code 12.34}, or {@code -}
     */
    public static String seconds(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.2f", value.getAsDouble()) : "-";
    }

    /**
     * A Markdown table (which also reads as plain text in a terminal).
     *
     * @param header column names
     * @param rows   rows, each as long as the header
     * @return the table, one line per row, columns padded to their widest cell
     * @throws IllegalArgumentException when a row's length differs from the header's
     */
    public static String table(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("row " + row + " has " + row.size() + " cells, the header "
                        + header.size());
            }
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(Math.max(3, w)));
        }
        appendRow(out, rule, width);
        rows.forEach(r -> appendRow(out, r, width));
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] width) {
        out.append('|');
        for (int i = 0; i < cells.size(); i++) {
            out.append(' ').append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length())).append(" |");
        }
        out.append('\n');
    }
}
