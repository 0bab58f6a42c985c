package dev.driftless.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

    static final String DEFAULT_TOKEN_FILE = "/var/lib/driftless/agent/api-token";

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
        @Option(names = "--agent", paramLabel = "URL", defaultValue = StatusCommand.DEFAULT_AGENT,
                description = "The agent's HTTP address (its --listen). Default: ${DEFAULT-VALUE}.")
        String agent;

        @Option(names = "--host", paramLabel = "H",
                description = "Only this host of the inventory. Default: every host.")
        String host;

        @Option(names = "--token-file", paramLabel = "FILE", defaultValue = DEFAULT_TOKEN_FILE,
                description = "The agent's API token (what its --api-token-file names). Default:"
                        + " ${DEFAULT-VALUE}.")
        Path tokenFile;
    }

    /** POSTs /api/suspend or /api/resume; prints the outcome; returns the exit code. */
    static int send(Options options, boolean suspend, PrintWriter out, PrintWriter err) {
        String token;
        try {
            token = Files.readString(options.tokenFile).strip();
        } catch (NoSuchFileException e) {
            return fail(err, "cannot read the API token: " + options.tokenFile + " does not exist (--token-file FILE)");
        } catch (AccessDeniedException e) {
            return fail(err, "cannot read the API token: permission denied on " + options.tokenFile
                    + " (run as the agent's user or root, or copy the token; --token-file FILE)");
        } catch (IOException e) {
            return fail(err, "cannot read the API token from " + options.tokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            return fail(err, "the API token file " + options.tokenFile + " is empty");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<String> host = Optional.ofNullable(options.host).map(String::strip).filter(h -> !h.isEmpty());
        host.ifPresent(h -> body.put("host", h));
        String json;
        try {
            json = StatusCommand.AgentHttp.MAPPER.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String verb = suspend ? "suspend" : "resume";
        Optional<HttpResponse<String>> answer = StatusCommand.AgentHttp.send(options.agent, "POST", "/api/" + verb,
                Optional.of(token), json, err);
        if (answer.isEmpty()) {
            return 1;
        }
        int code = answer.get().statusCode();
        String base = StatusCommand.AgentHttp.base(options.agent);
        String message = StatusCommand.AgentHttp.errorMessage(answer.get().body());
        if (code == 401) {
            return fail(err, "the agent at " + base + " refused the token in " + options.tokenFile
                    + " (401 Unauthorized); use the token file of that agent");
        }
        if (code != 200) {
            return fail(err, "the agent at " + base + " did not " + verb + " (" + code + "): " + message);
        }
        String where = host.map(h -> "on " + h).orElse("on every host");
        out.println((suspend ? "Suspended automatic applies " : "Resumed automatic applies ") + where + ".");
        out.flush();
        return 0;
    }

    private static int fail(PrintWriter err, String message) {
        err.println("Error: " + message);
        err.flush();
        return 1;
    }
}
