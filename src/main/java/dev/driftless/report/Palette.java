package dev.driftless.report;

import java.util.ArrayList;
import java.util.List;

/**
 * How text output marks what is added, changed and removed, and its headings: ANSI colours for a terminal (as
 * {@code git diff --color} and {@code terraform plan} use them), or nothing at all for files, pipes and NO_COLOR.
 */
public enum Palette {
    /** No escape codes. */
    PLAIN,
    /** ANSI SGR codes: green added, red removed, yellow changed, cyan hunk headers, bold headings. */
    ANSI;

    private static final String RESET = "\u001b[0m";

    public String added(String text) {
        return paint("32", text);
    }

    public String removed(String text) {
        return paint("31", text);
    }

    public String changed(String text) {
        return paint("33", text);
    }

    public String heading(String text) {
        return paint("1", text);
    }

    /**
     * The lines of a unified diff: the file headers ({@code ---}, {@code +++}) bold, hunk headers ({@code @@}) cyan,
     * added lines green, removed lines red. A header is told from an added line by where it is, before the first
     * hunk, so that an added line reading "++ x" stays an added line.
     */
    public List<String> diff(String diff) {
        List<String> lines = new ArrayList<>();
        boolean inHunk = false;
        for (String line : diff.lines().toList()) {
            if (line.startsWith("@@")) {
                inHunk = true;
                lines.add(paint("36", line));
            } else if (!inHunk && (line.startsWith("--- ") || line.startsWith("+++ "))) {
                lines.add(heading(line));
            } else if (inHunk && line.startsWith("+")) {
                lines.add(added(line));
            } else if (inHunk && line.startsWith("-")) {
                lines.add(removed(line));
            } else {
                lines.add(line);
            }
        }
        return lines;
    }

    private String paint(String code, String text) {
        return this == PLAIN || text.isEmpty() ? text : "\u001b[" + code + "m" + text + RESET;
    }
}
