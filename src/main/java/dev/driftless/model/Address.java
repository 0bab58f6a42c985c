package dev.driftless.model;

/** How Driftless reaches a host: on this machine, or over SSH. */
public sealed interface Address {

    /** The machine Driftless runs on. */
    record Local() implements Address {
        @Override
        public String toString() {
            return "local";
        }
    }

    /**
     * A machine reached over SSH as {@code user}; an empty user and a port of 0 mean "not given": then
     * ~/.ssh/config (or the current user, and port 22) decides.
     */
    record Ssh(String user, String hostname, int port) implements Address {
        @Override
        public String toString() {
            return "ssh://" + (user.isEmpty() ? "" : user + "@") + hostname + (port == 0 ? "" : ":" + port);
        }
    }
}
