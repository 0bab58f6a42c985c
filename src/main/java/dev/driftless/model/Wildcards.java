package dev.driftless.model;

/**
 * The {@code *} (any run of characters, {@code /} included) and {@code ?} (any one character) wildcards that
 * OpenSSH's pattern lists and {@code git tag -l PATTERN} share; every other character stands for itself.
 */
public final class Wildcards {

    private Wildcards() {
    }

    /** Whether {@code text} matches {@code pattern} as a whole. */
    public static boolean matches(String pattern, String text) {
        return matches(pattern, 0, text, 0);
    }

    private static boolean matches(String pattern, int p, String text, int t) {
        if (p == pattern.length()) {
            return t == text.length();
        }
        char c = pattern.charAt(p);
        if (c == '*') {
            for (int i = t; i <= text.length(); i++) {
                if (matches(pattern, p + 1, text, i)) {
                    return true;
                }
            }
            return false;
        }
        return t < text.length() && (c == '?' || c == text.charAt(t)) && matches(pattern, p + 1, text, t + 1);
    }
}
