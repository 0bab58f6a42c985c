package dev.driftless.host;

/** Writing shell commands that other code sends to a host. */
public final class Shell {

    private Shell() {
    }

    /** {@code text} as one word of a POSIX shell, whatever it holds. */
    public static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
