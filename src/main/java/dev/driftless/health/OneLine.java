package dev.driftless.health;

/**
 * A text cut to one short line: what a host printed may hold anything (line breaks, escape sequences, a whole
 * file), and a detail goes into reports, history and notifications.
 */
final class OneLine {

    private OneLine() {
    }

    /** {@code text} with control characters as spaces, runs of spaces as one, cut to {@code max} characters. */
    static String of(String text, int max) {
        StringBuilder line = new StringBuilder(Math.min(text.length(), max + 1));
        boolean space = false;
        for (int i = 0; i < text.length() && line.length() <= max; i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                space = line.length() > 0;
            } else {
                if (space) {
                    line.append(' ');
                    space = false;
                }
                line.append(c);
            }
        }
        if (line.length() <= max) {
            return line.toString();
        }
        int cut = max - 1;
        if (Character.isHighSurrogate(line.charAt(cut - 1))) {
            cut--; // never half a character
        }
        return line.substring(0, cut) + "…";
    }

    /** The last line of {@code output} that is not blank, or "" when there is none. */
    static String last(String output) {
        String[] lines = output.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "";
    }
}
