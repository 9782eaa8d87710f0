package dev.dbrefresh.testsupport;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.platform.commons.annotation.Testable;
import org.opentest4j.TestAbortedException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Checks that a behaviour test is parameterised over its server as the project's tests are (one abstract class per
 * behaviour whose only abstract method is the server accessor; a subclass for the server that runs here and a
 * {@link ContainerTest} subclass for the container, neither with tests of its own), and runs the first subclass with
 * the JUnit Platform launcher: every behaviour the container subclass would run must pass here through the same
 * accessor.
 */
public final class Parameterisation {

    private Parameterisation() {
    }

    /**
     * @param here      the subclass for the machine's or in-process server
     * @param container the {@link ContainerTest} subclass
     * @return the behaviours (test method names of the abstract class) that ran and passed with {@code here}
     * @throws AssertionError        naming what does not hold: the shape, or a behaviour that did not pass here (the
     *                               first failure as its cause, the others suppressed)
     * @throws TestAbortedException when {@code here} aborted (its server is absent), with its reason
     */
    public static Set<String> runHereWhatTheContainerRuns(Class<?> here, Class<?> container) {
        List<String> problems = new ArrayList<>();
        Class<?> behaviour = here.getSuperclass();
        if (behaviour != container.getSuperclass() || !Modifier.isAbstract(behaviour.getModifiers())) {
            throw new AssertionError(here.getName() + " and " + container.getName() + " must extend the same abstract"
                    + " behaviour class; they extend " + behaviour.getName() + " and " + container.getSuperclass().getName());
        }
        if (!AnnotationSupport.isAnnotated(container, ContainerTest.class)) {
            problems.add(container.getSimpleName() + " lacks @ContainerTest");
        }
        if (AnnotationSupport.isAnnotated(here, ContainerTest.class)) {
            problems.add(here.getSimpleName() + " is a @ContainerTest: it would not run here");
        }
        List<Method> accessors = new ArrayList<>();
        for (Method m : behaviour.getDeclaredMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                accessors.add(m);
            }
        }
        if (accessors.size() != 1) {
            problems.add(behaviour.getSimpleName() + " must have exactly one abstract method (the server accessor): "
                    + accessors);
        }
        for (Class<?> sub : List.of(here, container)) {
            if (!testMethods(sub).isEmpty()) {
                problems.add(sub.getSimpleName() + " declares tests of its own " + testMethods(sub)
                        + ": move them into " + behaviour.getSimpleName());
            }
        }
        Set<String> behaviours = testMethods(behaviour);
        if (behaviours.isEmpty()) {
            problems.add(behaviour.getSimpleName() + " declares no tests");
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("; ", problems));
        }

        Set<String> passed = new TreeSet<>();
        List<String> notPassed = new ArrayList<>();
        List<String> aborted = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(DiscoverySelectors.selectClass(here))
                .build(), new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isContainer() && result.getStatus() == TestExecutionResult.Status.ABORTED) {
                            aborted.add(id.getDisplayName() + ": " + result.getThrowable().map(Throwable::getMessage)
                                    .orElse("aborted"));
                        } else if (id.isContainer() && result.getStatus() == TestExecutionResult.Status.FAILED) {
                            // a failed @BeforeAll or @AfterAll: its tests report no failure of their own
                            notPassed.add(id.getDisplayName() + ": " + result);
                            result.getThrowable().ifPresent(failures::add);
                        }
                        if (id.isTest() && id.getSource().orElse(null) instanceof MethodSource m) {
                            if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                                passed.add(m.getMethodName());
                            } else if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                                aborted.add(m.getMethodName() + ": " + result.getThrowable().map(Throwable::getMessage)
                                        .orElse("aborted"));
                            } else {
                                notPassed.add(m.getMethodName() + ": " + result);
                                result.getThrowable().ifPresent(failures::add);
                            }
                        }
                    }

                    @Override
                    public void executionSkipped(TestIdentifier id, String reason) {
                        notPassed.add(id.getDisplayName() + " skipped: " + reason);
                    }
                });
        if (notPassed.isEmpty() && !aborted.isEmpty()) {
            // The machine's server is not there (the subclass aborted with its reason): nothing is proved or refuted.
            throw new TestAbortedException(here.getSimpleName() + " aborted: " + aborted);
        }
        if (!notPassed.isEmpty() || !passed.equals(behaviours)) {
            AssertionError error = new AssertionError(here.getSimpleName() + " must pass every behaviour of "
                    + behaviour.getSimpleName() + " " + behaviours + "; passed " + passed + ", not passed " + notPassed,
                    failures.isEmpty() ? null : failures.get(0));
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
        return passed;
    }

    private static Set<String> testMethods(Class<?> c) {
        Set<String> names = new TreeSet<>();
        for (Method m : c.getDeclaredMethods()) {
            if (AnnotationSupport.isAnnotated(m, Testable.class)) {
                names.add(m.getName());
            }
        }
        return names;
    }
}
