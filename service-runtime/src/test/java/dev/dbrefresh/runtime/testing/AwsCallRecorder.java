package dev.dbrefresh.runtime.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every API call an SDK client sends (operation name and request), so a test can assert what was
 * <em>not</em> called: e.g. that a refused run made no {@code CopyDBClusterSnapshot}, {@code DeleteDBCluster} or
 * {@code ModifyDBCluster}. Add it to a real client pointed at moto or a stub:
 * {@code moto.client(RdsClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(recorder)))}.
 * Calls are recorded before they are sent, whether they succeed or not.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {

    /**
     * One call.
     *
     * @param operation the API action, e.g. {@code DeleteDBCluster}
     * @param request   the SDK request object
     */
    public record Call(String operation, SdkRequest request) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        calls.add(new Call(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), context.request()));
    }

    /** @return every call since the last {@link #clear()}, in order */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** @return the operation names of {@link #calls()}, in order */
    public List<String> operations() {
        return calls.stream().map(Call::operation).toList();
    }

    /**
     * @param operation an API action name
     * @return the requests of that action, in order
     */
    public List<SdkRequest> requests(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).map(Call::request).toList();
    }

    /** Forgets the calls recorded so far (e.g. those of a test's set-up). */
    public void clear() {
        calls.clear();
    }
}
