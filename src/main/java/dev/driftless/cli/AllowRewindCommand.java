package dev.driftless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.engine.PlanPrinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lets a running agent apply, once, a commit it refused because it does not descend from what the hosts ran. */
@Command(name = "allow-rewind", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Allow a running agent, once, to apply the commit it refused as a step back: a commit that does"
                + " not descend from the newest commit it applied on a host (the branch was force-pushed back to an"
                + " older commit, or its history rewritten). The agent applies it at its next reconcile, recorded in"
                + " the history as \"rewind allowed by\" the token's name; from then on forward means forward from"
                + " it. The leave is for that commit only and ends when the branch names another.", "",
            "Exit codes: 0 = allowed (the apply follows), 1 = error (agent unreachable, token refused, not the commit"
                    + " the branch names now)."})
final class AllowRewindCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AgentClientOptions client;

    @Option(names = "--to", paramLabel = "COMMIT", required = true,
            description = "The commit the agent refused: its id, or at least its first 7 hex digits (driftless status"
                    + " shows it).")
    String commit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<HttpResponse<String>> answer = client.post("/api/allow-rewind", Map.of("commit", commit.strip()), 202,
                "allow the rewind to " + commit.strip(), err);
        if (answer.isEmpty()) {
            return 1;
        }
        String allowed = commit.strip();
        try {
            JsonNode node = StatusCommand.AgentHttp.MAPPER.readTree(answer.get().body());
            allowed = node.path("allowed").path("commit").asText(allowed);
        } catch (IOException e) {
            // the commit as given says enough
        }
        out.println("Allowed the rewind to " + PlanPrinter.shortRevision(allowed) + " once; the agent applies it to"
                + " the hosts it refused it on at its next reconcile.");
        out.flush();
        return 0;
    }
}
