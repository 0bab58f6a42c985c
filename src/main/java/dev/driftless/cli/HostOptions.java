package dev.driftless.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which hosts of the inventory a command (or the agent) works on, where their files go, and how many at once. */
final class HostOptions {

    @Option(names = "--host", paramLabel = "H", split = ",",
            description = "A host, or a group of hosts, of the inventory to work on (repeatable, or separated by"
                    + " commas): a group picks every host in it, as Ansible's --limit. Hosts are worked on in"
                    + " inventory order. An unknown name is an error that suggests near names. Default: every host.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--root", paramLabel = "DIR",
            description = "Place every absolute path of the chosen hosts under DIR (a sandbox, tests, images);"
                    + " when the inventory has several hosts, each goes to DIR/<host>. Replaces the hosts' own"
                    + " 'root:'. Handlers still run as commands on this machine.")
    Path root;

    @Option(names = "--as-host", paramLabel = "NAME",
            description = "Work on inventory host NAME alone, as this machine: its files are written here, as for"
                    + " 'address: local', even when the inventory reaches NAME over SSH (an agent on NAME itself, or"
                    + " the first apply of 'driftless bootstrap'). Implies --host NAME; the host's 'root:' still"
                    + " applies, its 'become:' and 'identity:' do not (run as root).")
    String asHost;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8",
            description = "How many hosts to work on at once. Default: ${DEFAULT-VALUE}. One host failing never stops"
                    + " the others.")
    int parallel;

    Optional<Path> root() {
        return Optional.ofNullable(root);
    }

    Optional<String> asHost() {
        return Optional.ofNullable(asHost);
    }
}
