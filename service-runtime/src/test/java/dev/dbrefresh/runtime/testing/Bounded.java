package dev.dbrefresh.runtime.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a call that must end by itself (e.g. give up on a lock) on another thread and waits for it a
 * bounded time, so a call that hangs fails the test (with a {@link java.util.concurrent.TimeoutException})
 * instead of hanging the build.
 */
public final class Bounded {

    private Bounded() {
    }

    /**
     * @param limit how long to wait for the call, at most
     * @param body  the call
     * @return what the call threw, or {@code null} when it returned normally
     * @throws Exception a {@link java.util.concurrent.TimeoutException} when the call did not end within {@code limit}
     */
    public static Throwable failureOf(Duration limit, Callable<?> body) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                body.call();
                return null;
            } catch (Exception e) {
                return (Throwable) e;
            }
        }).get(limit.toMillis(), TimeUnit.MILLISECONDS);
    }
}
