package dev.driftless.load;

import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

/** The shapes of names in a repository, and the "did you mean" hint for a misspelt key. */
public final class Names {

    static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Pattern SERVICE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    static final Pattern HANDLER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?");
    static final Pattern MODE = Pattern.compile("0?[0-7]{3,4}");

    private Names() {
    }

    /** The candidate a mistyped word most likely meant, if one is close enough (used for did-you-mean). */
    public static Optional<String> closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(word.toLowerCase(), candidate.toLowerCase());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return bestDistance <= Math.max(2, word.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    /**
     * The candidates nearest to a mistyped word, when near enough to be what it meant (as {@link #closest}), in the
     * order given: for a hint that names each of several equally near ("did you mean 'web-1' or 'web-2'?").
     */
    public static java.util.List<String> near(String word, Collection<String> candidates) {
        java.util.Map<String, Integer> distances = new java.util.LinkedHashMap<>();
        candidates.forEach(c -> distances.put(c, distance(word.toLowerCase(), c.toLowerCase())));
        int best = distances.values().stream().min(Integer::compare).orElse(Integer.MAX_VALUE);
        if (best > Math.max(2, word.length() / 3)) {
            return java.util.List.of();
        }
        return distances.entrySet().stream().filter(e -> e.getValue() == best).map(java.util.Map.Entry::getKey).toList();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
