package dev.driftless.state;

import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LiveEntry;
import dev.driftless.host.LocalHost;
import dev.driftless.model.Ownership;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What was at a path before Driftless took it over, kept on the host itself (under its root) in
 * {@code /var/lib/driftless/backups/HOST/}, a folder of mode 0700, one file of mode 0600 per path, written
 * atomically before the path is replaced. It is put back when the path leaves the repository, and dropped then or
 * by {@code driftless forget}. A backup is a short header (kind, mode, owner, group or link target, one a line), an
 * empty line, then a file's content byte for byte.
 */
public final class Backups {

    /** Where every host's backups are, under the host's root. */
    public static final String ROOT = "/var/lib/driftless/backups";

    /** Larger files are not taken over: the backup is read whole into memory on its way (over SSH, across it). */
    public static final long MAX_BYTES = 64L << 20;

    private static final String MAGIC = "driftless-backup 1";
    private static final Ownership PRIVATE_FILE = new Ownership(Optional.of(0600), Optional.empty(), Optional.empty());
    private static final Ownership PRIVATE_FOLDER = new Ownership(Optional.of(0700), Optional.empty(), Optional.empty());
    // a name longer than this may pass what a file system allows in one name (255 bytes)
    private static final int LONGEST_NAME = 200;

    private Backups() {
    }

    /** The folder of one host's backups. */
    public static String folder(String host) {
        return ROOT + "/" + host;
    }

    /**
     * Where the backup of {@code path} is: its name is the path without its first {@code /}, each {@code %} written
     * {@code %25} and each {@code /} written {@code %2F} (so no two paths share one); a very long path is named by
     * its SHA-256.
     */
    public static String pathFor(String host, String path) {
        String name = path.substring(path.startsWith("/") ? 1 : 0).replace("%", "%25").replace("/", "%2F");
        if (name.getBytes(StandardCharsets.UTF_8).length > LONGEST_NAME || name.isEmpty() || name.startsWith(".")) {
            name = "sha256-" + LocalHost.sha256(path.getBytes(StandardCharsets.UTF_8));
        }
        return folder(host) + "/" + name;
    }

    /** Makes the folders of the host's backups, private: once per apply, before its first backup. */
    public static void prepare(Host host) {
        host.makeDirectory(ROOT, PRIVATE_FOLDER);
        host.makeDirectory(folder(host.name()), PRIVATE_FOLDER);
    }

    /**
     * Keeps what {@code found} says is at {@code path} (a file's content is read now), before the path is replaced.
     *
     * @throws HostException when it cannot be kept (a file too large, gone since the plan): the path is left as it is
     */
    public static void keep(Host host, String path, LiveEntry found) {
        Map<String, String> header = new LinkedHashMap<>();
        byte[] content = new byte[0];
        if (found instanceof LiveEntry.File file) {
            header.put("kind", "file");
            attributes(header, file.mode(), file.owner(), file.group());
            content = host.read(path, MAX_BYTES).orElseThrow(() -> new HostException(host.name() + ": " + path
                    + " holds more than " + (MAX_BYTES >> 20) + " MiB, too much to keep a backup of before taking it"
                    + " over; move it away by hand, then apply again"));
        } else if (found instanceof LiveEntry.Directory dir) {
            header.put("kind", "directory");
            attributes(header, dir.mode(), dir.owner(), dir.group());
        } else if (found instanceof LiveEntry.Symlink link) {
            header.put("kind", "symlink");
            header.put("target", link.target());
        } else {
            throw new IllegalArgumentException("no backup can be kept of " + LiveEntry.kindOf(found) + " at " + path);
        }
        host.writeFile(pathFor(host.name(), path), format(header, content), PRIVATE_FILE);
    }

    /**
     * Puts back at {@code path} what was there before Driftless, as its backup says (atomically, as any write); the
     * backup stays until {@link #drop} (once the state no longer records the path).
     */
    public static void restore(Host host, String path) {
        String backup = pathFor(host.name(), path);
        byte[] bytes = host.readIfPresent(backup, MAX_BYTES + 4096).orElseThrow(() -> new HostException(host.name()
                + ": the backup of " + path + " is gone from " + backup + "; " + path + " is unchanged: remove it by"
                + " hand, or run 'driftless forget " + path + "' to leave it as it is"));
        Kept kept = parse(bytes).orElseThrow(() -> new HostException(host.name() + ": the backup of " + path + " at "
                + backup + " is damaged; " + path + " is unchanged: remove it by hand, or run 'driftless forget "
                + path + "' to leave it as it is"));
        switch (kept.header().getOrDefault("kind", "")) {
            case "file" -> host.writeFile(path, kept.content(), kept.ownership());
            case "directory" -> host.makeDirectory(path, kept.ownership());
            case "symlink" -> host.symlink(path, kept.header().getOrDefault("target", ""));
            default -> throw new HostException(host.name() + ": the backup of " + path + " at " + backup
                    + " names no kind Driftless knows; " + path + " is unchanged");
        }
    }

    /** Removes the backup of {@code path}, if there is one; whether there was. */
    public static boolean drop(Host host, String path) {
        return host.remove(pathFor(host.name(), path)) == Host.Removal.REMOVED;
    }

    private static void attributes(Map<String, String> header, int mode, String owner, String group) {
        header.put("mode", Ownership.formatMode(mode));
        header.put("owner", owner);
        header.put("group", group);
    }

    /** A backup as read back: its header and a file's content. */
    record Kept(Map<String, String> header, byte[] content) {

        Ownership ownership() {
            return new Ownership(Optional.ofNullable(header.get("mode")).map(m -> Integer.parseInt(m, 8)),
                    Optional.ofNullable(header.get("owner")), Optional.ofNullable(header.get("group")));
        }
    }

    static byte[] format(Map<String, String> header, byte[] content) {
        StringBuilder text = new StringBuilder(MAGIC).append('\n');
        // a value on one line: a link's target may hold a line break
        header.forEach((key, value) -> text.append(key).append(' ')
                .append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
        text.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        return out.toByteArray();
    }

    static Optional<Kept> parse(byte[] bytes) {
        int end = -1;
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return Optional.empty();
        }
        String[] lines = new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n", -1);
        if (!lines[0].equals(MAGIC)) {
            return Optional.empty();
        }
        Map<String, String> header = new LinkedHashMap<>();
        for (String line : Arrays.asList(lines).subList(1, lines.length)) {
            int space = line.indexOf(' ');
            if (space < 0) {
                return Optional.empty();
            }
            header.put(line.substring(0, space), unescape(line.substring(space + 1)));
        }
        try {
            if (header.containsKey("mode")) {
                Integer.parseInt(header.get("mode"), 8);
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new Kept(header, Arrays.copyOfRange(bytes, end + 2, bytes.length)));
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
