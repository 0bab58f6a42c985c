package dev.driftless.model;

import java.util.Optional;

/**
 * The attributes a resource manages. An empty value means "keep what the host has"; a new file or
 * directory then gets the default mode and the user running Driftless.
 */
public record Ownership(Optional<Integer> mode, Optional<String> owner, Optional<String> group) {

    public static final Ownership KEEP = new Ownership(Optional.empty(), Optional.empty(), Optional.empty());

    public static String formatMode(int mode) {
        return String.format("%04o", mode);
    }
}
