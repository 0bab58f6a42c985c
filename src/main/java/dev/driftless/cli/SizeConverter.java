package dev.driftless.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads sizes as people write them: 1048576, 512KiB, 32MiB, 1GiB. */
final class SizeConverter implements ITypeConverter<Long> {

    private static final Pattern SHAPE = Pattern.compile("(\\d{1,18})\\s*(|B|KiB|MiB|GiB)");

    @Override
    public Long convert(String value) {
        Matcher m = SHAPE.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size; write it in bytes (1048576) or with"
                    + " KiB, MiB or GiB (32MiB)");
        }
        int shift = switch (m.group(2)) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            case "GiB" -> 30;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n == 0 || n > Long.MAX_VALUE >> shift) {
            throw new TypeConversionException("'" + value + "' is not a size above 0 that Driftless can count");
        }
        return n << shift;
    }
}
