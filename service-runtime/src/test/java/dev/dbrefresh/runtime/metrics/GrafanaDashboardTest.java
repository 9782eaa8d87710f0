package dev.dbrefresh.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code docs/grafana-dashboard.json} is built on the meters that {@link DbRefreshMetrics} and {@link AwsCallMetrics} export. */
class GrafanaDashboardTest {

    @Test
    void dashboard_shouldQueryEveryExportedMeter_andNoOther() throws Exception {
        String dashboard = Files.readString(Path.of("..", "docs", "grafana-dashboard.json"));
        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("dbrefresh_[a-z_]+").matcher(dashboard);
        while (m.find()) {
            queried.add(m.group().replaceAll("_(total|bucket|count|sum)$", "").replaceAll("_seconds$", ""));
        }
        Set<String> exported = Stream.of(DbRefreshMetrics.RECEIVED, DbRefreshMetrics.HANDLED, DbRefreshMetrics.FAILED,
                DbRefreshMetrics.REDELIVERED, DbRefreshMetrics.DUPLICATES, DbRefreshMetrics.DEAD_LETTERED,
                DbRefreshMetrics.INTERRUPTED, DbRefreshMetrics.STEP_DURATION, DbRefreshMetrics.RUNS_COMPLETED,
                DbRefreshMetrics.RUNS_FAILED, DbRefreshMetrics.LEASE_REFUSED, AwsCallMetrics.AWS_CALLS)
                .map(n -> n.replace('.', '_')).collect(Collectors.toCollection(TreeSet::new));

        assertThat(queried).isEqualTo(exported);
    }
}
