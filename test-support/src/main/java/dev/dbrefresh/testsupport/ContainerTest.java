package dev.dbrefresh.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Marks a test class that runs against a real server in a container ({@link RealPostgres}, {@link RealMySql},
 * {@link RealMongo}, {@link RealLocalStack}).
 * <ul>
 *   <li>Without a Docker engine the class is reported as skipped, with Testcontainers' reason
 *       ({@code @Testcontainers(disabledWithoutDocker = true)}).</li>
 *   <li>With {@code -Dcontainers.required=true} (the Maven profile {@code containers}, which {@code ./dbrefresh test}
 *       turns on where {@code docker info} answers) a missing Docker engine fails the class instead
 *       ({@link ContainersRequired}): a CI that meant to run them cannot pass by skipping them.</li>
 *   <li>Tagged {@value #TAG}, so {@code -Dgroups=containers} runs only these.</li>
 * </ul>
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ContainerTest.TAG)
@ExtendWith(ContainersRequired.class)
@Testcontainers(disabledWithoutDocker = true)
public @interface ContainerTest {

    /** The JUnit tag of the container tests. */
    String TAG = "containers";
}
