package dev.driftless.trust;

/** A trust file cannot be read or is not valid; the message names the file, the line and what to do. */
public final class TrustSettingsException extends RuntimeException {

    public TrustSettingsException(String message) {
        super(message);
    }

    public TrustSettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
