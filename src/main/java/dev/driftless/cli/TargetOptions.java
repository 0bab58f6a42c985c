package dev.driftless.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which hosts and services a command works on, where, and how it prints. */
final class TargetOptions {

    /** Output formats of plan, check and apply. */
    enum Output { text, json }

    @Option(names = "--host", paramLabel = "H", split = ",",
            description = "A host of the inventory to work on (repeatable). Default: every host.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--service", paramLabel = "S", split = ",",
            description = "Only this service (repeatable). Default: every service. An apply then prunes only"
                    + " the chosen services' removed resources.")
    List<String> services = new ArrayList<>();

    @Option(names = "--root", paramLabel = "DIR",
            description = "Place every absolute path of the chosen hosts under DIR (a sandbox, tests, images);"
                    + " when the inventory has several hosts, each goes to DIR/<host>. Replaces the hosts' own"
                    + " 'root:'. Handlers still run as commands on this machine.")
    Path root;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8",
            description = "How many hosts to work on at once. Default: ${DEFAULT-VALUE}. One host failing never stops"
                    + " the others.")
    int parallel;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json. Default: ${DEFAULT-VALUE}.")
    Output output;

    Optional<Path> root() {
        return Optional.ofNullable(root);
    }
}
