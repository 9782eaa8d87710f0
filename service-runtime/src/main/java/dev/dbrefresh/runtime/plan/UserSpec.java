package dev.dbrefresh.runtime.plan;

import java.util.List;

/**
 * A user (role) that users-service creates or updates on the refreshed target.
 *
 * @param name           role name; quoted as an identifier, so any characters are safe
 * @param passwordSecret secret reference of its password (never a plain password), or {@code null}
 *                       for a role that cannot log in with a password
 * @param login          whether the role may log in
 * @param grants         grants on the target database
 */
public record UserSpec(String name, String passwordSecret, boolean login, List<GrantSpec> grants) {
}
