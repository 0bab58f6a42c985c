package dev.driftless.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The syntax of a systemd unit file, as systemd reads it: comments, {@code [Section]} headers, and
 * {@code Key=Value} lines (continued by a trailing backslash) inside a section. What a key means is
 * {@code systemd-analyze verify}'s business, on the host, at plan time.
 */
final class UnitSyntax {

    private UnitSyntax() {
    }

    /** One message per line systemd would not read, with its line number in the unit file. */
    static List<String> problems(Optional<String> text) {
        List<String> problems = new ArrayList<>();
        if (text.isEmpty()) {
            return problems;
        }
        boolean inSection = false;
        boolean continued = false;
        String[] lines = text.get().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            boolean wasContinued = continued;
            continued = !line.startsWith("#") && !line.startsWith(";") && line.endsWith("\\");
            if (wasContinued || line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.matches("\\[[A-Za-z0-9 _-]+\\]")) {
                    problems.add("line " + (i + 1) + " of the unit file: '" + line + "' is not a section header such as"
                            + " [Service]");
                }
                inSection = true;
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0 || !line.substring(0, equals).strip().matches("[A-Za-z0-9_-]+")) {
                problems.add("line " + (i + 1) + " of the unit file: '" + line + "' is not Key=Value, a [Section] or a"
                        + " comment");
            } else if (!inSection) {
                problems.add("line " + (i + 1) + " of the unit file: '" + line + "' comes before the first [Section]");
            }
        }
        return problems;
    }
}
