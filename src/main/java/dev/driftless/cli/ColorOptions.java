package dev.driftless.cli;

import dev.driftless.report.Palette;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Whether text output is coloured: on a terminal unless NO_COLOR (https://no-color.org) or TERM=dumb says
 * otherwise; never with --no-color; always with --color=always, for a pager such as {@code less -R}.
 */
final class ColorOptions {

    /** When to colour. */
    enum When { auto, always, never }

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "auto, always or never: colour the diffs (added green, removed red, headings bold)."
                    + " auto colours only when standard output is a terminal and NO_COLOR is not set (to any"
                    + " non-empty value); always also for a pager (less -R). Default: ${DEFAULT-VALUE}.")
    When when;

    @Option(names = "--no-color", description = "Never colour the output (the same as --color=never).")
    boolean noColor;

    Palette palette() {
        return palette(System.getenv(), standardOutputIsTerminal());
    }

    /** The choice for these options, in an environment, with or without a terminal on standard output. */
    Palette palette(Map<String, String> environment, boolean terminal) {
        if (noColor || when == When.never) {
            return Palette.PLAIN;
        }
        if (when == When.always) {
            return Palette.ANSI; // an option on the command line wins over NO_COLOR, as no-color.org asks
        }
        boolean refused = !environment.getOrDefault("NO_COLOR", "").isEmpty()
                || "dumb".equals(environment.get("TERM"));
        return terminal && !refused ? Palette.ANSI : Palette.PLAIN;
    }

    /**
     * Whether this process's standard output is a terminal. Java 17's System.console() answers for standard input
     * and output together, so `driftless plan < /dev/null` would lose its colours; on Linux, where file descriptor
     * 1 leads tells it alone.
     */
    private static boolean standardOutputIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
