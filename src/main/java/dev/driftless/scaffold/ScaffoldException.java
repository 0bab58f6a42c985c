package dev.driftless.scaffold;

/** A new repository could not be written; the message says what to do. */
public final class ScaffoldException extends RuntimeException {

    public ScaffoldException(String message) {
        super(message);
    }
}
