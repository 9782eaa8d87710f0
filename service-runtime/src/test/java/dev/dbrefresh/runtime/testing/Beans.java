package dev.dbrefresh.runtime.testing;

import io.micronaut.context.BeanProvider;

/**
 * Bean providers for tests that build a bean by hand whose constructor takes an optional dependency as a
 * {@link BeanProvider} (e.g. {@code PlanResolver} and {@code EndpointParameterWriter} take the parameter store so).
 */
public final class Beans {

    private Beans() {
    }

    /**
     * @param bean the bean to provide
     * @param <T>  its type
     * @return a provider that is present and gives {@code bean}
     */
    public static <T> BeanProvider<T> provider(T bean) {
        return new BeanProvider<>() {
            @Override
            public T get() {
                return bean;
            }

            @Override
            public boolean isPresent() {
                return true;
            }
        };
    }

    /**
     * @param <T> the bean type
     * @return a provider of a bean this service does not have: not present, and {@link BeanProvider#get()} throws
     *         {@link IllegalStateException}
     */
    public static <T> BeanProvider<T> absent() {
        return new BeanProvider<>() {
            @Override
            public T get() {
                throw new IllegalStateException("no such bean in this test");
            }

            @Override
            public boolean isPresent() {
                return false;
            }
        };
    }
}
