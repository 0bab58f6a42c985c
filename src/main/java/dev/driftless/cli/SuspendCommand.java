package dev.driftless.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Stops a running agent's automatic applies, on one host or every host, for maintenance. */
@Command(name = "suspend", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stop the automatic applies (and drift healing) of a running agent, on one host (--host) or on"
                + " every host, until `driftless resume`. The agent keeps fetching, checking and reporting; status"
                + " and metrics show the suspension.", "",
            "Exit codes: 0 = suspended, 1 = error (agent unreachable, token refused, unknown host)."})
final class SuspendCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Options options;

    @Override
    public Integer call() {
        return send(options, true, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The options of suspend and resume. */
    static final class Options {
        @CommandLine.Mixin
        AgentClientOptions client;

        @Option(names = "--host", paramLabel = "H",
                description = "Only this host of the inventory. Default: every host.")
        String host;
    }

    /** POSTs /api/suspend or /api/resume; prints the outcome; returns the exit code. */
    static int send(Options options, boolean suspend, PrintWriter out, PrintWriter err) {
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<String> host = Optional.ofNullable(options.host).map(String::strip).filter(h -> !h.isEmpty());
        host.ifPresent(h -> body.put("host", h));
        String verb = suspend ? "suspend" : "resume";
        if (options.client.post("/api/" + verb, body, 200, verb, err).isEmpty()) {
            return 1;
        }
        String where = host.map(h -> "on " + h).orElse("on every host");
        out.println((suspend ? "Suspended automatic applies " : "Resumed automatic applies ") + where + ".");
        out.flush();
        return 0;
    }
}
