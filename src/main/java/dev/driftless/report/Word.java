package dev.driftless.report;

import java.util.Locale;

/**
 * A value of a closed set written one way everywhere: in JSON, text, metrics labels and the database.
 * The word is the constant's name in lower case with '-' for '_' ({@code DRIFT_FOUND} is "drift-found").
 */
public interface Word {

    String name();

    default String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant of {@code type} whose word (or, as written by earlier versions, name) is {@code text}. */
    static <E extends Enum<E> & Word> E parse(Class<E> type, String text) {
        for (E value : type.getEnumConstants()) {
            if (value.word().equals(text) || value.name().equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a " + type.getSimpleName() + " (one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(Word::word).toList() + ")");
    }
}
