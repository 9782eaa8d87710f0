package dev.dbrefresh.reliability.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The fuzzing's runner: {@code check(name, tries, gens..., body)} draws {@code tries} cases from the suite's seed
 * ({@link FuzzSeed}) and runs the body on each; the first case that throws fails the property with an
 * {@link AssertionError} naming the property, the seed, the case index and the input (the cause is the case's
 * error). Case {@code i} of property {@code name} draws from its own random, a function of (seed, name, i) only, so
 * {@code -Dfuzz.seed=N} replays it, and {@code -Dfuzz.case=i} runs it alone. No shrinking. The parsers' cases are
 * counted into {@code Figures} by {@link Fuzz#expect}, which the bodies call.
 */
final class Property {

    private Property() {
    }

    /** A property's body over one input. */
    @FunctionalInterface
    interface Body1<A> {
        void run(A a) throws Exception;
    }

    /** A property's body over two inputs. */
    @FunctionalInterface
    interface Body2<A, B> {
        void run(A a, B b) throws Exception;
    }

    /** A property's body over three inputs. */
    @FunctionalInterface
    interface Body3<A, B, C> {
        void run(A a, B b, C c) throws Exception;
    }

    /**
     * @param name  the property (the test method's name)
     * @param tries how many cases ({@code -Dfuzz.tries} overrides)
     * @param a     the input's generator
     * @param body  the property
     * @throws AssertionError on the first failing case
     */
    static <A> void check(String name, int tries, Gen<A> a, Body1<? super A> body) {
        run(name, tries, r -> new Object[] {a.next(r)}, in -> body.run(cast(in[0])));
    }

    /** {@link #check(String, int, Gen, Body1)} over two inputs, drawn in order. */
    static <A, B> void check(String name, int tries, Gen<A> a, Gen<B> b, Body2<? super A, ? super B> body) {
        run(name, tries, r -> new Object[] {a.next(r), b.next(r)}, in -> body.run(cast(in[0]), cast(in[1])));
    }

    /** {@link #check(String, int, Gen, Body1)} over three inputs, drawn in order. */
    static <A, B, C> void check(String name, int tries, Gen<A> a, Gen<B> b, Gen<C> c,
            Body3<? super A, ? super B, ? super C> body) {
        run(name, tries, r -> {
            Object x = a.next(r);
            Object y = b.next(r);
            return new Object[] {x, y, c.next(r)};
        }, in -> body.run(cast(in[0]), cast(in[1]), cast(in[2])));
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }

    private static void run(String name, int tries, Gen<Object[]> inputs, Body1<Object[]> body) {
        long seed = FuzzSeed.SEED;
        Integer override = FuzzSeed.intProperty("fuzz.tries");
        Integer only = FuzzSeed.intProperty("fuzz.case");
        int n = override != null ? override : tries;
        for (int i = only != null ? only : 0; i < (only != null ? only + 1 : n); i++) {
            Object[] input = inputs.next(new SplittableRandom(caseSeed(seed, name, i)));
            try {
                body.run(input);
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError || t instanceof OutOfMemoryError)) {
                    throw (VirtualMachineError) t;
                }
                throw new AssertionError("property " + name + " failed at seed " + seed + ", case " + i + " of " + n
                        + " (replay: -Dfuzz.seed=" + seed + " -Dfuzz.case=" + i + "): " + t + "\ninput: "
                        + describe(input), t);
            }
        }
    }

    /** SplitMix64 of the seed, the property's name and the case index. */
    static long caseSeed(long seed, String name, int index) {
        long z = seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L) ^ ((long) index * 0xBF58476D1CE4E5B9L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String describe(Object[] input) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < input.length; i++) {
            Object o = input[i];
            String s = o instanceof byte[] bytes ? "byte[" + bytes.length + "] " + Arrays.toString(bytes)
                    : o instanceof String str ? "\"" + str + "\"" : String.valueOf(o);
            b.append(i == 0 ? "" : ", ").append(Fuzz.abbreviate(s));
        }
        return b.toString();
    }
}
