package dev.dbrefresh.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServiceProcesses#stopLeftovers}: what the next start does with {@code <home>/services.pids},
 * on real processes ({@code sleep}) standing in for a launcher and its services.
 */
class ServiceProcessesLeftoversTest {

    @TempDir
    Path home;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killStarted() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void stopLeftovers_shouldStopRecordedServices_whenTheirLauncherIsGone() throws Exception {
        Process launcher = sleep();
        String launcherLine = line("launcher", launcher.toHandle());
        launcher.destroy();
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Process service = sleep();
        Path pids = write(launcherLine + line("snapshot-service", service.toHandle()));

        List<String> stopped = ServiceProcesses.stopLeftovers(pids);

        assertThat(stopped).singleElement().asString().contains("snapshot-service").contains("pid " + service.pid());
        assertThat(service.isAlive()).isFalse();
        assertThat(pids).doesNotExist();
    }

    @Test
    void stopLeftovers_shouldStopNothing_whenTheRecordedLauncherStillRuns() throws Exception {
        Process service = sleep();
        Path pids = write(line("launcher", ProcessHandle.current()) + line("snapshot-service", service.toHandle()));

        assertThat(ServiceProcesses.stopLeftovers(pids)).isEmpty();
        assertThat(service.isAlive()).isTrue();
    }

    @Test
    void stopLeftovers_shouldLeaveAProcessAlone_whenItsStartTimeIsNotTheRecordedOne() throws Exception {
        // the pid was reused: a process of someone else's now has it
        Process other = sleep();
        long otherStart = other.toHandle().info().startInstant().orElseThrow().toEpochMilli();
        Path pids = write("launcher 999999999 1\nsnapshot-service " + other.pid() + " " + (otherStart - 60_000) + "\n");

        assertThat(ServiceProcesses.stopLeftovers(pids)).isEmpty();
        assertThat(other.isAlive()).isTrue();
    }

    @Test
    void stopLeftovers_shouldStopNothing_whenThereIsNoPidFileOrItIsGarbled() throws Exception {
        Process other = sleep();

        assertThat(ServiceProcesses.stopLeftovers(home.resolve("services.pids"))).isEmpty();
        assertThat(ServiceProcesses.stopLeftovers(write("snapshot-service " + other.pid() + "\nnot a pid file\n")))
                .isEmpty();
        assertThat(other.isAlive()).isTrue();
    }

    private Process sleep() throws IOException {
        Process p = new ProcessBuilder("sleep", "300").start();
        started.add(p);
        return p;
    }

    private Path write(String text) throws IOException {
        return Files.writeString(home.resolve("services.pids"), text);
    }

    private static String line(String name, ProcessHandle p) {
        return name + " " + p.pid() + " " + p.info().startInstant().map(Instant::toEpochMilli).orElseThrow() + "\n";
    }
}
