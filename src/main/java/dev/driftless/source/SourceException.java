package dev.driftless.source;

/** The repository cannot be opened, fetched, or the ref cannot be resolved. */
public final class SourceException extends RuntimeException {

    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
