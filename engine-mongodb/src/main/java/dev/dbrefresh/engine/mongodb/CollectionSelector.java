package dev.dbrefresh.engine.mongodb;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which collections of the source database a snapshot takes: all, a list of names, or the names a regular
 * expression matches in full. {@code system.*} collections are never taken, whatever the selector says.
 */
public final class CollectionSelector implements Predicate<String> {

    private final Predicate<String> test;
    private final String description;

    private CollectionSelector(Predicate<String> test, String description) {
        this.test = test;
        this.description = description;
    }

    /** @return a selector that takes every collection */
    public static CollectionSelector all() {
        return new CollectionSelector(n -> true, "all collections");
    }

    /**
     * @param names collection names
     * @return a selector that takes exactly these
     */
    public static CollectionSelector of(List<String> names) {
        Set<String> set = Set.copyOf(names);
        return new CollectionSelector(set::contains, "collections " + names);
    }

    /**
     * @param regex a {@link Pattern} that must match the whole collection name
     * @return a selector of the names it matches
     * @throws java.util.regex.PatternSyntaxException when the expression is invalid
     */
    public static CollectionSelector matching(String regex) {
        Pattern p = Pattern.compile(Objects.requireNonNull(regex, "regex"));
        return new CollectionSelector(n -> p.matcher(n).matches(), "collections matching " + regex);
    }

    /** @return whether the collection is taken */
    @Override
    public boolean test(String collection) {
        return test.test(collection);
    }

    @Override
    public String toString() {
        return description;
    }
}
