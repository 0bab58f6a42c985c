package dev.driftless.source;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * Orders tag names as versions, as {@code git tag -l --sort=version:refname} does: runs of digits compare as numbers
 * ({@code v1.9 < v1.10}), a run with leading zeros as a fraction ({@code 1.01 < 1.1}), everything else byte by byte.
 * Optional pre-release suffixes make {@code v2.0-rc1} come before {@code v2.0}, as git's {@code versionsort.suffix}.
 */
public final class VersionOrder implements Comparator<String> {

    /** Git's order with no {@code versionsort.suffix} configured. */
    public static final VersionOrder GIT_DEFAULT = new VersionOrder(List.of());

    /**
     * What tag mode goes by: git's order with {@code versionsort.suffix=-}, so that a version with a suffix after a
     * dash ({@code v2.0.0-rc1}) is a pre-release of the version without it, and {@code v2.0.0} is the step forward.
     */
    public static final VersionOrder RELEASES = new VersionOrder(List.of("-"));

    /** Where the digits shared by both names before their first difference leave the comparison. */
    private enum Run {
        /** No digit right before the difference. */
        NONE,
        /** A number that starts with a digit other than 0: compared by its length first. */
        INTEGER,
        /** Zeros only so far: a fraction whose leading zeros are being counted. */
        ZEROS,
        /** A fraction (leading zero, then another digit): compared digit by digit. */
        FRACTION
    }

    private final List<String> prereleaseSuffixes;

    /** The order with these pre-release suffixes, the earlier in the list the earlier in the order. */
    public VersionOrder(List<String> prereleaseSuffixes) {
        this.prereleaseSuffixes = List.copyOf(prereleaseSuffixes);
    }

    @Override
    public int compare(String left, String right) {
        byte[] a = left.getBytes(StandardCharsets.UTF_8);
        byte[] b = right.getBytes(StandardCharsets.UTF_8);
        int at = 0;
        while (at < a.length && at < b.length && a[at] == b[at]) {
            at++;
        }
        if (at == a.length && at == b.length) {
            return 0;
        }
        int prerelease = prerelease(a, b, at);
        if (prerelease != 0) {
            return prerelease;
        }
        int x = at < a.length ? a[at] & 0xff : 0;
        int y = at < b.length ? b[at] & 0xff : 0;
        int bytes = Integer.signum(x - y);
        return switch (run(a, at)) {
            case NONE -> nonZeroDigit(x) && nonZeroDigit(y) ? longerNumber(a, b, at, bytes) : bytes;
            case INTEGER -> {
                // a number that ends in one name and goes on in the other is the smaller one
                if (!digit(x) || !digit(y)) {
                    yield digit(x) == digit(y) ? bytes : digit(x) ? 1 : -1;
                }
                yield longerNumber(a, b, at, bytes);
            }
            case ZEROS -> {
                // fractions: more leading zeros come first (000 < 00), and one that goes on before its end (01 < 0)
                if (digit(x) == digit(y)) {
                    yield bytes;
                }
                yield digit(x) ? -1 : 1;
            }
            case FRACTION -> bytes;
        };
    }

    /** The kind of the digit run that ends just before {@code at} (the shared part of both names). */
    private static Run run(byte[] name, int at) {
        int start = at;
        while (start > 0 && digit(name[start - 1] & 0xff)) {
            start--;
        }
        if (start == at) {
            return Run.NONE;
        }
        if (name[start] != '0') {
            return Run.INTEGER;
        }
        for (int i = start; i < at; i++) {
            if (name[i] != '0') {
                return Run.FRACTION;
            }
        }
        return Run.ZEROS;
    }

    /** Of two numbers that differ first at {@code at}, the one with more digits left; as long, by the digit there. */
    private static int longerNumber(byte[] a, byte[] b, int at, int bytes) {
        int i = at;
        while (i < a.length && digit(a[i] & 0xff)) {
            if (i >= b.length || !digit(b[i] & 0xff)) {
                return 1;
            }
            i++;
        }
        return i < b.length && digit(b[i] & 0xff) ? -1 : bytes;
    }

    /**
     * Before (-1) or after (1) when exactly one name, or each with another suffix, has a pre-release suffix around the
     * first difference {@code at} (containing it, or ending right before it); 0 to compare as usual.
     */
    private int prerelease(byte[] a, byte[] b, int at) {
        int inA = suffixAround(a, at);
        int inB = suffixAround(b, at);
        if (inA == inB) {
            return 0;
        }
        if (inA >= 0 && inB >= 0) {
            return Integer.signum(inA - inB);
        }
        return inA >= 0 ? -1 : 1;
    }

    /**
     * Which configured suffix {@code name} has around {@code at}: of those found, the one that starts earliest, and of
     * those starting there the longest; -1 for none.
     */
    private int suffixAround(byte[] name, int at) {
        int found = -1;
        int foundStart = Integer.MAX_VALUE;
        int foundLength = -1;
        for (int index = 0; index < prereleaseSuffixes.size(); index++) {
            byte[] suffix = prereleaseSuffixes.get(index).getBytes(StandardCharsets.UTF_8);
            for (int start = Math.max(0, at - suffix.length); start <= at; start++) {
                if (startsWith(name, suffix, start)) {
                    if (start < foundStart || start == foundStart && suffix.length > foundLength) {
                        found = index;
                        foundStart = start;
                        foundLength = suffix.length;
                    }
                    break;
                }
            }
        }
        return found;
    }

    private static boolean startsWith(byte[] name, byte[] prefix, int at) {
        if (at + prefix.length > name.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (name[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean digit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean nonZeroDigit(int c) {
        return c >= '1' && c <= '9';
    }
}
