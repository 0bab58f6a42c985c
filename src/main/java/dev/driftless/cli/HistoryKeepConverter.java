package dev.driftless.cli;

import dev.driftless.store.HistoryKeep;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --history-keep}: an age (90d, 12h, 30m) or a count of reconciles (5000). */
final class HistoryKeepConverter implements ITypeConverter<HistoryKeep> {

    @Override
    public HistoryKeep convert(String value) {
        try {
            return HistoryKeep.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
