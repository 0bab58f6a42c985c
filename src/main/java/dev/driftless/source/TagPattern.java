package dev.driftless.source;

import dev.driftless.model.Wildcards;
import java.util.Collection;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;

/**
 * A {@code --ref} that names tags by a pattern ({@code v*}, {@code release-*}, {@code refs/tags/v*}): tag mode. Git
 * forbids {@code *} and {@code ?} in ref names, so a ref holding either names no branch or tag and is a pattern; it
 * matches short tag names as {@code git tag -l PATTERN} does ({@code *} also across {@code /}). The tag it chooses is
 * the highest version among those that match ({@link VersionOrder#RELEASES}), never the newest by date.
 */
public record TagPattern(String glob) {

    /** The pattern {@code ref} is, or nothing when it names a branch, a tag or a commit. */
    public static Optional<TagPattern> of(String ref) {
        if (ref.indexOf('*') < 0 && ref.indexOf('?') < 0) {
            return Optional.empty();
        }
        return Optional.of(new TagPattern(ref.startsWith(Constants.R_TAGS) ? ref.substring(Constants.R_TAGS.length())
                : ref));
    }

    /** Whether {@code ref} is a tag pattern. */
    public static boolean isPattern(String ref) {
        return of(ref).isPresent();
    }

    /** Whether the short tag name {@code tag} matches. */
    public boolean matches(String tag) {
        return Wildcards.matches(glob, tag);
    }

    /** The highest version among the short tag names {@code tags} that match. */
    public Optional<String> highest(Collection<String> tags) {
        return tags.stream().filter(this::matches).max(VersionOrder.RELEASES);
    }

    @Override
    public String toString() {
        return glob;
    }
}
