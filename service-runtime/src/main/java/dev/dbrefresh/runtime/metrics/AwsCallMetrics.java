package dev.dbrefresh.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts every AWS SDK call of the process as {@value #AWS_CALLS} (Prometheus {@code dbrefresh_aws_calls_total})
 * with tags {@code service} (e.g. {@code SQS}), {@code operation} (e.g. {@code ReceiveMessage}) and {@code outcome}
 * ({@code ok} or {@code error}), in Micrometer's global registry, to which {@link DbRefreshMetrics} adds the service's.
 *
 * <p>A global interceptor: the SDK loads it for every client it builds, the platform's and the engines' alike, from
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors} on the classpath
 * (<a href="https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/interceptors.html">SDK interceptors</a>);
 * so it needs a public no-argument constructor.
 */
public final class AwsCallMetrics implements ExecutionInterceptor {

    /** Meter name. */
    public static final String AWS_CALLS = "dbrefresh.aws.calls";

    /** The interceptor the SDK instantiates. */
    public AwsCallMetrics() {
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        count(attributes, "ok");
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        count(attributes, "error");
    }

    private static void count(ExecutionAttributes attributes, String outcome) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Counter.builder(AWS_CALLS).tags("service", service == null ? DbRefreshMetrics.UNKNOWN : service,
                "operation", operation == null ? DbRefreshMetrics.UNKNOWN : operation, "outcome", outcome)
                .register(Metrics.globalRegistry).increment();
    }
}
