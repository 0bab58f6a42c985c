package dev.driftless.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which services plan, check and apply work on (the hosts are {@link HostOptions}), and how they print. */
final class TargetOptions {

    /** Output formats of plan, check and apply. */
    enum Output { text, json }

    @Option(names = "--service", paramLabel = "S", split = ",",
            description = "Only this service (repeatable). Default: every service. An apply then prunes only"
                    + " the chosen services' removed resources.")
    List<String> services = new ArrayList<>();

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json. Default: ${DEFAULT-VALUE}.")
    Output output;
}
