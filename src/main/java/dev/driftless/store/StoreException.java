package dev.driftless.store;

/**
 * The history database cannot be opened, migrated, read or written. The message says which database
 * (its URL without a password), what failed and what to do; it never contains a password.
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
