package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mounts a container engine leaves under its folder when it stops (dockerd's {@code exec/netns/default},
 * Podman's {@code root/overlay}): released before the folder is removed, which would fail on them.
 */
final class Mounts {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ESCAPE = Pattern.compile("\\\\([0-7]{3})");

    private Mounts() {
    }

    /** Unmounts every mount at or below {@code dir}, deepest first; one still busy is detached (umount -l). */
    static void releaseUnder(Path dir) {
        String prefix = dir.toAbsolutePath().normalize().toString();
        for (String mountPoint : mountPoints().stream()
                .filter(point -> point.equals(prefix) || point.startsWith(prefix + "/"))
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            if (Command.run(TIMEOUT, "umount", mountPoint).exitCode() != 0) {
                Command.run(TIMEOUT, "umount", "-l", mountPoint).orThrow();
            }
        }
    }

    private static List<String> mountPoints() {
        try {
            // the fifth field of each line; the kernel writes a space in it as \040
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> unescape(line.split(" ")[4])).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    private static String unescape(String field) {
        Matcher octal = ESCAPE.matcher(field);
        StringBuilder out = new StringBuilder();
        while (octal.find()) {
            octal.appendReplacement(out, Matcher.quoteReplacement(Character.toString(Integer.parseInt(octal.group(1), 8))));
        }
        return octal.appendTail(out).toString();
    }
}
