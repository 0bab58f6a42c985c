package dev.driftless.load;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/** Path rules of the repository format, checked as text so that every platform agrees. */
final class Paths {

    /** The longest name (one path component) Linux file systems take, in bytes. */
    static final int MAX_NAME_BYTES = 255;
    /** Where Driftless keeps each host's lock and state, under the host's root. */
    static final String OWN_FOLDER = "/var/lib/driftless";

    private Paths() {
    }

    /** "/a/b": absolute, no empty, "." or ".." segment, no trailing slash, no NUL. */
    static boolean isAbsoluteNormalised(String path) {
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            return false;
        }
        if (path.equals("/")) {
            return true;
        }
        return segmentsAreClean(path.substring(1));
    }

    /** "a/b": relative, no empty, "." or ".." segment. */
    static boolean isRelativeInside(String path) {
        return !path.isEmpty() && !path.startsWith("/") && path.indexOf(0) < 0 && segmentsAreClean(path);
    }

    /** Whether {@code path} is {@code folder} or inside it ("/a/b" is inside "/a", "/ab" is not). */
    static boolean isAtOrBelow(String path, String folder) {
        return path.equals(folder) || path.startsWith(folder.equals("/") ? "/" : folder + "/");
    }

    /** The folder holding {@code path} ("/a" for "/a/b"); empty for "/a", whose folder "/" is never managed. */
    static Optional<String> parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? Optional.empty() : Optional.of(path.substring(0, slash));
    }

    /** Why this text cannot be written to a host as a path or link target: a control character. */
    static Optional<String> controlCharacter(String text) {
        OptionalInt found = text.codePoints().filter(Character::isISOControl).findFirst();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        int c = found.getAsInt();
        return Optional.of(String.format("contains the control character U+%04X%s; paths and link targets may not hold"
                + " control characters", c, c == '\n' ? " (a line break)" : c == '\t' ? " (a tab)" : ""));
    }

    /** Why a path cannot name a file on Linux: a name (between slashes) longer than 255 bytes. */
    static Optional<String> nameTooLong(String path) {
        for (String name : path.split("/")) {
            int bytes = name.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_NAME_BYTES) {
                return Optional.of("has a name of " + bytes + " bytes ('" + shown(name) + "'); file systems take at most "
                        + MAX_NAME_BYTES + " bytes (UTF-8) per name between slashes");
            }
        }
        return Optional.empty();
    }

    /** A path as a message may quote it: control characters escaped, and cut when long. */
    static String shown(String text) {
        StringBuilder shown = new StringBuilder();
        text.codePoints().limit(60).forEach(c -> {
            if (c == '\n') {
                shown.append("\\n");
            } else if (c == '\t') {
                shown.append("\\t");
            } else if (Character.isISOControl(c)) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return text.codePointCount(0, text.length()) > 60 ? shown + "..." : shown.toString();
    }

    private static boolean segmentsAreClean(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
