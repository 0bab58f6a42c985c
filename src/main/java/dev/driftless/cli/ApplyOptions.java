package dev.driftless.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long an apply (by `apply` or the agent) waits for a host's lock and for one handler. */
final class ApplyOptions extends LockOptions {

    @Option(names = "--handler-timeout", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationConverter.class,
            description = "How long one handler may run before it is stopped and counted as failed."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration handlerTimeout;
}
