package dev.driftless.model;

import java.util.Optional;

/**
 * A package a service wants on its hosts ({@code present}, optionally at one {@code version}) or wants gone
 * ({@code state: absent}). A package that leaves the repository is left installed: only {@code absent} removes.
 */
public record PackageSpec(String name, Optional<String> version, boolean present, Location where) {
}
