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
        return glob(pattern, 0, text, 0);
    }

    private static boolean glob(String pattern, int p, String text, int t) {
        if (p == pattern.length()) {
            return t == text.length();
        }
        char c = pattern.charAt(p);
        if (c == '*') {
            for (int i = t; i <= text.length(); i++) {
                if (glob(pattern, p + 1, text, i)) {
                    return true;
                }
            }
            return false;
        }
        return t < text.length() && (c == '?' || c == text.charAt(t)) && glob(pattern, p + 1, text, t + 1);
    }
}
