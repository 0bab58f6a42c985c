package dev.driftless.apply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lines of what compose printed that say why it failed: the engine's and compose's own error lines, without
 * Python tracebacks (only the exception's last line is kept), progress lines, and podman-compose's echo of every
 * podman command it runs and of the merged compose file (which holds the environment's values, secrets among
 * them).
 */
final class ComposeOutput {

    private static final Pattern PROGRESS = Pattern.compile("^(Creating|Recreating|Starting|Stopping|Removing|Pulling"
            + "|Waiting|Container|Network|Volume) .*|.* is up-to-date$|^Encountered errors while bringing up the project\\.$");
    private static final Pattern PODMAN_COMPOSE_NOISE = Pattern.compile("^(\\['podman'.*|(/usr/bin/)?podman .*"
            + "|exit code: -?\\d+|using podman version: .*|podman-compose version: .*|\\*\\* (excluding|skipping): .*"
            + "|failed to connect to syslog: .*|[0-9a-f]{64}|WARNING: No services defined)$");
    /** compose v1 says each error twice: for the container, then for its service. */
    private static final Pattern FOR = Pattern.compile("^ERROR: for (\\S+)\\s+(.*)$");

    private ComposeOutput() {
    }

    /** The lines of {@code output} worth showing; all of it when none is left (it is then cut by its tail). */
    static String useful(String output) {
        List<String> kept = new ArrayList<>();
        List<String> lines = output.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("Traceback (most recent call last):")) {
                // the frames are indented; the exception's own line is not
                while (i + 1 < lines.size() && (lines.get(i + 1).startsWith(" ") || lines.get(i + 1).isEmpty())) {
                    i++;
                }
                continue;
            }
            if (line.startsWith("During handling of the above exception")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1); // what led to the next exception: that one's last line says enough
                }
                continue;
            }
            if (line.strip().equals("** merged:")) {
                // podman-compose prints the merged file as JSON, up to its closing brace at the start of a line
                while (i + 1 < lines.size() && !lines.get(i).equals("}")) {
                    i++;
                }
                continue;
            }
            if (line.startsWith("@@") || line.isBlank() || PROGRESS.matcher(line).matches()
                    || PODMAN_COMPOSE_NOISE.matcher(line).matches()) {
                continue;
            }
            kept.add(line);
        }
        Map<String, String> byMessage = new LinkedHashMap<>();
        for (String line : kept) {
            Matcher m = FOR.matcher(line);
            byMessage.remove(m.matches() ? m.group(2) : line);
            byMessage.put(m.matches() ? m.group(2) : line, line);
        }
        String useful = String.join("\n", byMessage.values());
        return useful.isEmpty() ? output : useful + "\n";
    }
}
