package dev.driftless.model;

/** One thing wrong with the repository, with where it is and what to do about it. */
public record Problem(Location where, String message) {

    @Override
    public String toString() {
        return where + ": " + message;
    }
}
