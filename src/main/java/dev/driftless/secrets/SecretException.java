package dev.driftless.secrets;

/**
 * A problem with a secret file or key. The message names the file and what to do about it; it never carries a
 * secret value, plaintext, data key or ciphertext fragment, so it is safe to print and log.
 */
public final class SecretException extends Exception {

    public SecretException(String message) {
        super(message);
    }

    public SecretException(String message, Throwable cause) {
        super(message, cause);
    }
}
