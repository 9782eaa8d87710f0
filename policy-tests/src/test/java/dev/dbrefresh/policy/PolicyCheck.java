package dev.dbrefresh.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares what a role's code or commands need with the statements the docs give the role, both ways.
 */
final class PolicyCheck {

    /**
     * The resources whose every grant must be explained by a call on exactly that resource: the state tables
     * (a grant on one of them, or a wildcard covering one, for an action the code calls only on another state
     * table, is too wide; a wildcard such as {@code *} for an action the code never calls on a state table, e.g.
     * {@code dynamodb:ListTables}, is not checked here).
     */
    static final Set<String> CHECKED_RESOURCES = Set.of("arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-audit",
            "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-idempotency",
            "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-leases");

    private PolicyCheck() {
    }

    /**
     * @param role       the role, for messages (e.g. {@code users-service})
     * @param needs      what the code needs, by action
     * @param statements the role's Allow statements in the docs
     * @return one message per difference, empty when the statements are exactly what is needed
     */
    static List<String> compare(String role, Map<String, CodeActions.Need> needs,
            List<IamPolicyDocs.Statement> statements) {
        List<String> failures = new ArrayList<>();
        String sections = sections(statements);
        String file = statements.isEmpty() ? IamPolicyDocs.DOCS : statements.get(0).file();
        for (CodeActions.Need need : needs.values()) {
            List<IamPolicyDocs.Statement> granting = statements.stream()
                    .filter(s -> s.actions().stream().anyMatch(a -> IamPolicyDocs.matches(a, need.action()))).toList();
            if (granting.isEmpty()) {
                failures.add(role + " calls " + need.action() + " (" + String.join(", ", need.callers())
                        + ") but no statement of its policy in " + file + " grants it (searched " + sections + ")");
                continue;
            }
            for (Map.Entry<String, Set<String>> on : need.resources().entrySet()) {
                String resource = on.getKey();
                boolean covered = granting.stream()
                        .anyMatch(s -> s.resources().stream().anyMatch(r -> covers(r, resource)));
                if (!covered) {
                    failures.add(role + " calls " + need.action() + " on " + resource + " ("
                            + String.join(", ", on.getValue()) + ") but " + file + " grants it only on "
                            + resources(granting) + " (" + wheres(granting) + ")");
                }
            }
        }
        for (IamPolicyDocs.Statement s : statements) {
            for (String action : s.actions()) {
                boolean called = needs.keySet().stream().anyMatch(n -> IamPolicyDocs.matches(action, n));
                if (!called) {
                    failures.add(s.where() + " grants " + action + " to " + role + ", which its code never calls");
                    continue;
                }
                for (String resource : s.resources()) {
                    for (String table : CHECKED_RESOURCES) {
                        // a grant on the table itself must be explained by a call on it; a wildcard that covers
                        // the table (table/dbrefresh-*, *) too, for an action the code calls on a state table
                        boolean exact = resource.equals(table);
                        if (!exact && !covers(resource, table)) {
                            continue;
                        }
                        List<CodeActions.Need> matching = needs.values().stream()
                                .filter(n -> IamPolicyDocs.matches(action, n.action())).toList();
                        boolean onStateTables = matching.stream().anyMatch(n -> n.resources().keySet().stream()
                                .anyMatch(CHECKED_RESOURCES::contains));
                        boolean onIt = matching.stream().anyMatch(n -> n.resources().containsKey(table));
                        if (!onIt && (exact || onStateTables)) {
                            failures.add(s.where() + " grants " + action + " on " + resource + " to " + role
                                    + ", but its code never calls " + action + " on " + table);
                        }
                    }
                }
            }
        }
        return failures;
    }

    /** @return whether the granted resource pattern covers the needed resource (ARNs are case-sensitive) */
    static boolean covers(String granted, String needed) {
        StringBuilder regex = new StringBuilder();
        for (char c : granted.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return needed.matches(regex.toString());
    }

    private static String sections(List<IamPolicyDocs.Statement> statements) {
        Set<String> out = new TreeSet<>();
        statements.forEach(s -> out.add(s.file().equals(IamPolicyDocs.DOCS) ? "\"### " + s.section() + "\""
                : s.file() + " " + s.section()));
        return out.isEmpty() ? "no json block at all" : String.join(", ", out);
    }

    private static String resources(Collection<IamPolicyDocs.Statement> statements) {
        Set<String> out = new TreeSet<>();
        statements.forEach(s -> out.addAll(s.resources()));
        return String.join(", ", out);
    }

    private static String wheres(Collection<IamPolicyDocs.Statement> statements) {
        List<String> out = new ArrayList<>();
        statements.forEach(s -> out.add(s.where()));
        return String.join("; ", out);
    }
}
