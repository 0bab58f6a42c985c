package dev.driftless.secrets.sops;

import java.util.Locale;

/** The file formats sops stores, chosen by file name the way sops chooses them. */
public enum SopsFormat {
    YAML, JSON, DOTENV, BINARY;

    /**
     * {@code .yaml}/{@code .yml} is YAML, {@code .json} JSON, {@code .env} DOTENV, anything else BINARY. A trailing
     * {@code .sops} or {@code .enc} is looked through, so {@code secrets.sops.yaml} is YAML and {@code tls.key.sops}
     * is BINARY.
     */
    public static SopsFormat forFileName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        int slash = Math.max(lower.lastIndexOf('/'), lower.lastIndexOf('\\'));
        lower = lower.substring(slash + 1);
        while (lower.endsWith(".sops") || lower.endsWith(".enc")) {
            lower = lower.substring(0, lower.lastIndexOf('.'));
        }
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return YAML;
        }
        if (lower.endsWith(".json")) {
            return JSON;
        }
        if (lower.endsWith(".env")) {
            return DOTENV;
        }
        return BINARY;
    }
}
