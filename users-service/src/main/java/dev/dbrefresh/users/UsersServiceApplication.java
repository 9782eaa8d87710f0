package dev.dbrefresh.users;

import io.micronaut.runtime.Micronaut;

/** users-service: applies users and grants to the restored target and verifies its data. */
public final class UsersServiceApplication {

    private UsersServiceApplication() {
    }

    /** @param args command-line arguments, passed to Micronaut */
    public static void main(String[] args) {
        Micronaut.run(UsersServiceApplication.class, args);
    }
}
