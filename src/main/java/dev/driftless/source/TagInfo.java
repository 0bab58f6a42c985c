package dev.driftless.source;

/**
 * The tag a tag pattern chose ({@link TagPattern}): its short name ({@code v1.2.0}), the id of what the tag ref names
 * (the tag object of an annotated tag, which carries the signature; the commit itself for a lightweight tag), and
 * whether it is annotated.
 */
public record TagInfo(String name, String objectId, boolean annotated) {
}
