package dev.driftless.load;

/** Path rules of the repository format, checked as text so that every platform agrees. */
final class Paths {

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

    private static boolean segmentsAreClean(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
