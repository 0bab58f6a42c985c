package dev.driftless.trust;

import java.util.List;

/** OpenSSH's pattern lists (ssh_config(5) PATTERNS): '*' and '?' wildcards, '!' negates and wins. */
final class Patterns {

    private Patterns() {
    }

    static boolean matchAny(List<String> patterns, String text) {
        boolean matched = false;
        for (String pattern : patterns) {
            if (pattern.startsWith("!")) {
                if (glob(pattern.substring(1), text)) {
                    return false;
                }
            } else if (glob(pattern, text)) {
                matched = true;
            }
        }
        return matched;
    }

    private static boolean glob(String pattern, String text) {
        return dev.driftless.model.Wildcards.matches(pattern, text);
    }
}
