package dev.dbrefresh.reliability.fuzz;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A seeded generator of test input, the fuzzing's own (see {@code reliability/FUZZING.md}): a function of a
 * {@link SplittableRandom}, so one seed gives the same values again. {@link Property#check} draws each case from a
 * random of its own. No shrinking: a failure shows the input as generated.
 *
 * @param <T> the generated values' type
 */
@FunctionalInterface
interface Gen<T> {

    /** @param random the case's source of randomness @return one value drawn from it */
    T next(SplittableRandom random);

    /** @param f applied to each value @param <R> the new type @return a generator of {@code f(value)} */
    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return r -> f.apply(next(r));
    }

    /** @param f the next generator, chosen by each value @param <R> its type @return the chained generator */
    default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
        return r -> f.apply(next(r)).next(r);
    }

    /**
     * @param keep which values to keep
     * @return a generator of the values {@code keep} accepts
     * @throws IllegalStateException when 10,000 draws in a row are refused (the filter is too strict)
     */
    default Gen<T> filter(Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 10_000; i++) {
                T t = next(r);
                if (keep.test(t)) {
                    return t;
                }
            }
            throw new IllegalStateException("filter refused 10,000 values in a row: make the generator fit it");
        };
    }

    /** @param maxSize the longest list @return lists of 0 to {@code maxSize} values (length uniform) */
    default Gen<List<T>> list(int maxSize) {
        return r -> {
            int n = r.nextInt(maxSize + 1);
            List<T> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(next(r));
            }
            return l;
        };
    }

    // ---------------------------------------------------------------- sources

    /** @param value the one value (may be {@code null}) @param <T> its type @return always {@code value} */
    static <T> Gen<T> just(T value) {
        return r -> value;
    }

    /** @param values at least one value @param <T> their type @return one of them, uniformly */
    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        return of(List.of(values));
    }

    /** @param values at least one value @param <T> their type @return one of them, uniformly */
    static <T> Gen<T> of(Collection<? extends T> values) {
        List<T> l = new ArrayList<>(values);
        if (l.isEmpty()) {
            throw new IllegalArgumentException("Gen.of needs at least one value");
        }
        return r -> l.get(r.nextInt(l.size()));
    }

    /** A generator and its weight in {@link #frequencyOf}. */
    record Weighted<T>(int weight, Gen<? extends T> gen) {
    }

    /** @param weight how often, relative to the others (positive) @param gen the generator @param <T> its type @return the pair */
    static <T> Weighted<T> weighted(int weight, Gen<? extends T> gen) {
        return new Weighted<>(weight, gen);
    }

    /** @param choices generators and weights @param <T> their type @return a value of one, chosen by weight */
    @SafeVarargs
    static <T> Gen<T> frequencyOf(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> c : choices) {
            total += c.weight();
        }
        int sum = total;
        return r -> {
            int pick = r.nextInt(sum);
            for (Weighted<? extends T> c : choices) {
                pick -= c.weight();
                if (pick < 0) {
                    return c.gen().next(r);
                }
            }
            throw new AssertionError("unreachable");
        };
    }

    /** @return {@code true} or {@code false} */
    static Gen<Boolean> booleans() {
        return SplittableRandom::nextBoolean;
    }

    /** @param min smallest @param max largest (inclusive) @return integers in {@code [min, max]}, the bounds 1 in 20 */
    static Gen<Integer> integers(int min, int max) {
        return r -> {
            int edge = r.nextInt(40);
            return edge == 0 ? min : edge == 1 ? max : (int) r.nextLong(min, (long) max + 1);
        };
    }

    /** @return any long: 0, ±1, the extremes one in ten, small ones often, else uniform */
    static Gen<Long> longs() {
        long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE};
        return r -> switch (r.nextInt(10)) {
            case 0 -> edges[r.nextInt(edges.length)];
            case 1, 2, 3 -> r.nextLong(-1_000, 1_001);
            default -> r.nextLong();
        };
    }

    /** @return any finite double: 0, -0, tiny and huge ones one in ten, else of any magnitude and sign */
    static Gen<Double> doubles() {
        double[] edges = {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0};
        return r -> {
            if (r.nextInt(10) == 0) {
                return edges[r.nextInt(edges.length)];
            }
            double d = Double.longBitsToDouble(r.nextLong());
            return Double.isFinite(d) ? d : r.nextDouble(-1e9, 1e9);
        };
    }

    /** @param min smallest @param max largest (inclusive, at least {@code min}) @return big integers in between */
    static Gen<BigInteger> bigIntegers(BigInteger min, BigInteger max) {
        BigInteger span = max.subtract(min).add(BigInteger.ONE);
        return r -> {
            BigInteger v;
            do {
                byte[] b = new byte[span.bitLength() / 8 + 1];
                r.nextBytes(b);
                b[0] &= 0x7f;
                v = new BigInteger(b).mod(span);
            } while (v.compareTo(span) >= 0);
            return min.add(v);
        };
    }

    /** @return any UTF-16 char, unpaired surrogates included; ASCII one in three */
    static Gen<Character> chars() {
        return r -> (char) (r.nextInt(3) == 0 ? r.nextInt(128) : r.nextInt(Character.MAX_VALUE + 1));
    }

    /** @param maxLength longest @return strings of any chars ({@link #chars}), 0 to {@code maxLength} long */
    static Gen<String> strings(int maxLength) {
        Gen<Character> c = chars();
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder b = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                b.append(c.next(r));
            }
            return b.toString();
        };
    }

    /** @param maxLength longest @return strings of ASCII chars (0-127), 0 to {@code maxLength} long */
    static Gen<String> asciiStrings(int maxLength) {
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder b = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                b.append((char) r.nextInt(128));
            }
            return b.toString();
        };
    }

    /** @return any byte */
    static Gen<Byte> bytes() {
        return r -> (byte) r.nextInt(256);
    }

    /** @param maxSize longest @return byte arrays of 0 to {@code maxSize} random bytes */
    static Gen<byte[]> bytes(int maxSize) {
        return r -> {
            byte[] b = new byte[r.nextInt(maxSize + 1)];
            r.nextBytes(b);
            return b;
        };
    }

    /**
     * @param keys    the keys' generator
     * @param values  the values' generator ({@code null} values allowed)
     * @param maxSize most entries (fewer when keys repeat)
     * @return mutable maps of 0 to {@code maxSize} entries
     */
    static <K, V> Gen<Map<K, V>> maps(Gen<? extends K> keys, Gen<? extends V> values, int maxSize) {
        return r -> {
            int n = r.nextInt(maxSize + 1);
            Map<K, V> m = new HashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(keys.next(r), values.next(r));
            }
            return m;
        };
    }

    // ---------------------------------------------------------------- combining: combine(a, b, ...).as(f)

    /** @return the pair, to be combined with {@code as} */
    static <A, B> Combine2<A, B> combine(Gen<A> a, Gen<B> b) {
        return new Combine2<>(a, b);
    }

    /** @return the triple, to be combined with {@code as} */
    static <A, B, C> Combine3<A, B, C> combine(Gen<A> a, Gen<B> b, Gen<C> c) {
        return new Combine3<>(a, b, c);
    }

    /** @return the four, to be combined with {@code as} */
    static <A, B, C, D> Combine4<A, B, C, D> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) {
        return new Combine4<>(a, b, c, d);
    }

    /** @return the five, to be combined with {@code as} */
    static <A, B, C, D, E> Combine5<A, B, C, D, E> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e) {
        return new Combine5<>(a, b, c, d, e);
    }

    /** Two generators drawn in order. */
    record Combine2<A, B>(Gen<A> a, Gen<B> b) {
        <R> Gen<R> as(F2<? super A, ? super B, ? extends R> f) {
            return r -> f.apply(a.next(r), b.next(r));
        }
    }

    /** Three generators drawn in order. */
    record Combine3<A, B, C>(Gen<A> a, Gen<B> b, Gen<C> c) {
        <R> Gen<R> as(F3<? super A, ? super B, ? super C, ? extends R> f) {
            return r -> {
                A x = a.next(r);
                B y = b.next(r);
                return f.apply(x, y, c.next(r));
            };
        }
    }

    /** Four generators drawn in order. */
    record Combine4<A, B, C, D>(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) {
        <R> Gen<R> as(F4<? super A, ? super B, ? super C, ? super D, ? extends R> f) {
            return r -> {
                A x = a.next(r);
                B y = b.next(r);
                C z = c.next(r);
                return f.apply(x, y, z, d.next(r));
            };
        }
    }

    /** Five generators drawn in order. */
    record Combine5<A, B, C, D, E>(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e) {
        <R> Gen<R> as(F5<? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> f) {
            return r -> {
                A x = a.next(r);
                B y = b.next(r);
                C z = c.next(r);
                D w = d.next(r);
                return f.apply(x, y, z, w, e.next(r));
            };
        }
    }

    /** A function of two values. */
    interface F2<A, B, R> {
        R apply(A a, B b);
    }

    /** A function of three values. */
    interface F3<A, B, C, R> {
        R apply(A a, B b, C c);
    }

    /** A function of four values. */
    interface F4<A, B, C, D, R> {
        R apply(A a, B b, C c, D d);
    }

    /** A function of five values. */
    interface F5<A, B, C, D, E, R> {
        R apply(A a, B b, C c, D d, E e);
    }
}
