package dev.driftless.secrets;

import java.util.Optional;

/**
 * One place {@code secret('name')} values come from. SOPS files in the repository are the first; a
 * credential store (environment, files, Vault/OpenBao KV) is one more implementation of this interface.
 */
public interface SecretSource {

    /**
     * The value named {@code name} for the service whose folder is {@code serviceDirectory}, or empty
     * when this source does not have it. Errors name the file or store, never a value.
     */
    Optional<String> lookup(String serviceDirectory, String name) throws SecretException;

    /** Where this source looked for a service's secrets, for a "not found" message. */
    String describe(String serviceDirectory);
}
