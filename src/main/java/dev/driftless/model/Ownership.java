package dev.driftless.model;

import java.util.Optional;

/**
 * The attributes a resource manages. An empty value means "keep what the host has"; a new file or
 * directory then gets the default mode and the user running Driftless.
 */
public record Ownership(Optional<Integer> mode, Optional<String> owner, Optional<String> group) {

    public static final Ownership KEEP = new Ownership(Optional.empty(), Optional.empty(), Optional.empty());

    /** The mode in octal, at least four digits ("0644"): what {@code String.format("%04o")} gives, without its parser. */
    public static String formatMode(int mode) {
        String octal = Integer.toOctalString(mode);
        return octal.length() >= 4 ? octal : "0000".substring(octal.length()) + octal;
    }
}
