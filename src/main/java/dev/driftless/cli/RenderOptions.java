package dev.driftless.cli;

import dev.driftless.render.RenderLimits;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** How far rendering one file may go: the commands that render templates share these options. */
final class RenderOptions {

    @Option(names = "--render-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = RenderOptions.PositiveDuration.class,
            description = "The longest one file may take to render, for each host. A template that loops for ever"
                    + " (or nearly, such as range(0, 2000000000)) then fails that file instead of hanging the"
                    + " command. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--render-max-size", paramLabel = "SIZE", defaultValue = "32MiB", converter = SizeConverter.class,
            description = "The most one file may produce when rendered, and the largest text or list a template may"
                    + " build on the way (a list counts 8 bytes an entry). A template that expands without end then"
                    + " fails that file instead of exhausting memory. Bytes, or with KiB, MiB or GiB."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxSize;

    RenderLimits limits() {
        return new RenderLimits(timeout, maxSize, () -> false);
    }

    /** A duration above zero. */
    static final class PositiveDuration implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration duration = new DurationConverter().convert(value);
            if (duration.isZero()) {
                throw new TypeConversionException("'" + value + "' is no time at all; give a duration above 0");
            }
            return duration;
        }
    }
}
