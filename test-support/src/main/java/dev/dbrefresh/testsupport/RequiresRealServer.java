package dev.dbrefresh.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link ContainerTest} class that has no twin running here, because nothing here can show the behaviour
 * (policy-tests' ArchitectureTest accepts a container test without a machine subclass only with this mark).
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface RequiresRealServer {

    /** @return why no server here can run it, and which test covers what can be covered here */
    String value();
}
