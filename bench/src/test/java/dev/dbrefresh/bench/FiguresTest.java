package dev.dbrefresh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.runtime.audit.AuditEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class FiguresTest {

    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");
    private static final List<String> PIPELINE = List.of("a", "b", "c");

    private static AuditEntry entry(String service, String status, long millis) {
        return new AuditEntry("run-1", millis + "#" + service + "#" + status, T.plusMillis(millis), service, "x", status,
                0, null, null, null, "p");
    }

    @Test
    void mongoFigures_shouldReadReplaceBenchmarksLines_andSkipLogLines() {
        List<String> out = List.of("16:08:50.088 WARN  [mongo-server-worker4] adding secondary index 1.0 s",
                "data set: 105000 documents, 14.1 MB, 3 collections",
                "dump (engine)           0.52 s     201501 documents/s    27.1 MB/s",
                "replace (engine)        1.75 s      60051 documents/s     8.1 MB/s",
                "naive copy             10.79 s       9730 documents/s     1.3 MB/s",
                "delta, 1% changed       2.67 s      39344 documents/s     5.3 MB/s",
                "replace / naive: 6.2x documents/s; delta wrote 300 documents");

        List<Figures.MongoFigure> figures = Figures.mongoFigures(out);

        assertThat(figures).extracting(Figures.MongoFigure::what)
                .containsExactly("dump (engine)", "replace (engine)", "naive copy", "delta, 1% changed");
        assertThat(figures.get(1)).isEqualTo(new Figures.MongoFigure("replace (engine)", 1.75, 60051, 8.1));
        assertThat(Figures.ratioLine("mongodb-replace/naive", Figures.mongoSeconds(figures, "replace (engine)"),
                Figures.mongoSeconds(figures, "naive copy"))).isEqualTo("ratio mongodb-replace/naive 0.16");
        assertThat(Figures.mongoSeconds(figures, "nothing")).isEmpty();
    }

    @Test
    void median_shouldTakeTheMiddle_orTheMeanOfTheTwoMiddleValues() {
        assertThat(Figures.median(List.of(3.0, 1.0, 2.0))).hasValue(2.0);
        assertThat(Figures.median(List.of(4.0, 1.0, 2.0, 3.0))).hasValue(2.5);
        assertThat(Figures.median(List.of())).isEmpty();
    }

    @Test
    void percentile_shouldBeTheNearestRank() {
        List<Double> hundred = new java.util.ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            hundred.add((double) i);
        }
        assertThat(Figures.percentile(hundred, 50)).hasValue(50.0);
        assertThat(Figures.percentile(hundred, 99)).hasValue(99.0);
        assertThat(Figures.percentile(List.of(5.0, 1.0, 9.0), 99)).hasValue(9.0);
        assertThat(Figures.percentile(List.of(5.0, 1.0, 9.0), 1)).hasValue(1.0);
        assertThatThrownBy(() -> Figures.percentile(hundred, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hops_shouldMeasureFromTheUpstreamsLastEntryToTheDownstreamsFirst() {
        List<AuditEntry> run = List.of(
                entry("c", "started", 900), entry("a", "started", 0), entry("a", "succeeded", 100),
                entry("b", "started", 130), entry("b", "succeeded", 600), entry("b", "recorded", 620),
                entry("c", "succeeded", 950));
        assertThat(Figures.hops(run, PIPELINE)).containsExactly(Duration.ofMillis(30), Duration.ofMillis(280));
    }

    @Test
    void hops_shouldGiveNone_forAServiceTheRunNeverReached() {
        List<AuditEntry> failedEarly = List.of(entry("a", "started", 0), entry("a", "failed", 50));
        assertThat(Figures.hops(failedEarly, PIPELINE)).isEmpty();
    }

    @Test
    void vmRss_shouldReadProcStatus_andBeEmptyWithoutTheLine() {
        String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmRSS:\t  262144 kB\nThreads:\t40\n";
        assertThat(Figures.vmRssKib(status)).hasValue(262144L);
        assertThat(Figures.vmRssKib("Name:\tzombie\nState:\tZ (zombie)\n")).isEmpty();
    }

    @Test
    void ratioLine_shouldPrintTwoDecimals_orNaWhenASideIsMissing() {
        assertThat(Figures.ratioLine("dbrefresh/hand-run", OptionalDouble.of(9.7), OptionalDouble.of(10.0)))
                .isEqualTo("ratio dbrefresh/hand-run 0.97");
        assertThat(Figures.ratioLine("dbrefresh/pgcopydb", OptionalDouble.of(9.7), OptionalDouble.empty()))
                .isEqualTo("ratio dbrefresh/pgcopydb n/a");
        assertThat(Figures.ratioLine("x/y", OptionalDouble.of(1), OptionalDouble.of(0))).isEqualTo("ratio x/y n/a");
    }

    @Test
    void table_shouldPadColumns_andRefuseRaggedRows() {
        assertThat(Figures.table(List.of("what", "s"), List.of(List.of("hand-run", "1.50"))))
                .isEqualTo("| what     | s    |\n| -------- | ---- |\n| hand-run | 1.50 |\n");
        assertThatThrownBy(() -> Figures.table(List.of("a", "b"), List.of(List.of("1"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
