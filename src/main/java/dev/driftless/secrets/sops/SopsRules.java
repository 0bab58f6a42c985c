package dev.driftless.secrets.sops;

import java.util.List;

/**
 * Which values to encrypt and for whom: the creation-rule settings of sops. An empty string means "not set";
 * null is accepted and read as empty. sops allows at most one of the four suffix/regex rules.
 */
public record SopsRules(List<String> ageRecipients, String unencryptedSuffix, String encryptedSuffix,
        String unencryptedRegex, String encryptedRegex, boolean macOnlyEncrypted) {

    /** The suffix sops leaves unencrypted when no rule is given. */
    public static final String DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

    public SopsRules {
        ageRecipients = List.copyOf(ageRecipients);
        unencryptedSuffix = unencryptedSuffix == null ? "" : unencryptedSuffix;
        encryptedSuffix = encryptedSuffix == null ? "" : encryptedSuffix;
        unencryptedRegex = unencryptedRegex == null ? "" : unencryptedRegex;
        encryptedRegex = encryptedRegex == null ? "" : encryptedRegex;
    }

    /** The sops default: every value encrypted except under keys ending in {@code _unencrypted}. */
    public static SopsRules forRecipients(List<String> ageRecipients) {
        return new SopsRules(ageRecipients, DEFAULT_UNENCRYPTED_SUFFIX, "", "", "", false);
    }
}
