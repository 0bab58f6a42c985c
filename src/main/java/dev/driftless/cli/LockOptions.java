package dev.driftless.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a command that changes a host (apply, the agent, forget) waits for the host's lock. */
class LockOptions {

    @Option(names = "--lock-timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to wait for another apply on the same host to finish. Default: ${DEFAULT-VALUE}.")
    Duration lockTimeout;
}
