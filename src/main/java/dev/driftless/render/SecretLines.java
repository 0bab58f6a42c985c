package dev.driftless.render;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which lines of a rendered file came from secrets: what a diff (and anything else that shows the file) masks.
 * Found by where they come from, not by their values: the template is rendered again with two sets of stand-in
 * values, and a line that is not the same in the three renders depends on a secret, however transformed.
 */
public sealed interface SecretLines {

    /** Nothing of the file came from a secret. */
    SecretLines NONE = new None();

    /** The file came from a secret, or its secret lines cannot be told apart: nothing of it is shown. */
    SecretLines WHOLE_FILE = new WholeFile();

    /** What a shown file or diff has instead of a line that came from a secret. */
    String MASK = "(secret line masked)";

    /** Nothing of the file came from a secret. */
    record None() implements SecretLines {
    }

    /** The whole file is secret. */
    record WholeFile() implements SecretLines {
    }

    /**
     * The file read secrets, and these lines (0-based, as {@link #lines} splits it) depend on them; the other lines
     * are the same whatever the secrets hold. May be empty: a secret that only chose between equal branches.
     */
    record Lines(Set<Integer> indexes) implements SecretLines {
        public Lines {
            indexes = Set.copyOf(indexes);
        }
    }

    /** Whether the file read any secret (it is then written for its owner only unless given a mode). */
    default boolean sensitive() {
        return !(this instanceof None);
    }

    /**
     * Compares a file rendered with the secrets' values to the same template rendered with two sets of stand-ins
     * (empty: that render failed, such as a stand-in that is not a number where the template needs one). When a
     * render failed or the three do not have the same number of lines (a secret decides how many lines there are,
     * as a loop over it does), which lines are secret cannot be told: the whole file is.
     */
    static SecretLines compare(byte[] real, Optional<byte[]> first, Optional<byte[]> second) {
        if (first.isEmpty() || second.isEmpty()) {
            return WHOLE_FILE;
        }
        List<String> actual = lines(real);
        List<String> one = lines(first.get());
        List<String> two = lines(second.get());
        if (one.size() != actual.size() || two.size() != actual.size()) {
            return WHOLE_FILE;
        }
        Set<Integer> secret = new TreeSet<>();
        for (int i = 0; i < actual.size(); i++) {
            if (!one.get(i).equals(two.get(i)) || !one.get(i).equals(actual.get(i))) {
                secret.add(i);
            }
        }
        return new Lines(secret);
    }

    /**
     * The text with every secret line replaced by {@link #MASK}, or empty when nothing of it may be shown. For
     * commands that print a rendered file.
     */
    default Optional<String> masked(byte[] content) {
        if (this instanceof WholeFile) {
            return Optional.empty();
        }
        String text = new String(content, StandardCharsets.UTF_8);
        if (!(this instanceof Lines secret)) {
            return Optional.of(text);
        }
        List<String> lines = lines(content);
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            shown.append(secret.indexes().contains(i) ? MASK : lines.get(i)).append('\n');
        }
        if (!text.endsWith("\n") && shown.length() > 0) {
            shown.setLength(shown.length() - 1);
        }
        return Optional.of(shown.toString());
    }

    /** The lines of a text as diffs count them: split at '\n', no last empty line for a final newline. */
    static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return Arrays.asList(body.split("\n", -1));
    }

    private static List<String> lines(byte[] content) {
        return lines(new String(content, StandardCharsets.UTF_8));
    }
}
