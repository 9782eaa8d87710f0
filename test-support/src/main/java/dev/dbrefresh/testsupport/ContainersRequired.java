package dev.dbrefresh.testsupport;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Fails a {@link ContainerTest} class instead of letting it skip when the system property {@value #PROPERTY} is
 * {@code true} and Testcontainers finds no Docker engine. Without the property it decides nothing: the class then
 * runs or skips as {@code @Testcontainers(disabledWithoutDocker = true)} says.
 */
public final class ContainersRequired implements ExecutionCondition {

    /** The system property (set by the Maven profile {@code containers}). */
    public static final String PROPERTY = "containers.required";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!Boolean.getBoolean(PROPERTY)) {
            return ConditionEvaluationResult.enabled(PROPERTY + " is not set: Testcontainers decides");
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException(PROPERTY + "=true (Maven profile containers) but Testcontainers finds no"
                    + " Docker engine; start Docker (check with: docker info) or build without -Pcontainers");
        }
        return ConditionEvaluationResult.enabled("Docker is available");
    }
}
