package dev.driftless.bootstrap;

/** Bootstrap cannot go on: the message says what is wrong and what to do, and never holds a credential. */
public final class BootstrapException extends RuntimeException {

    public BootstrapException(String message) {
        super(message);
    }

    public BootstrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
