package dev.driftless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.engine.PlanPrinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Asks a running agent to put a whole host back at an earlier commit that was healthy there, and hold it. */
@Command(name = "rollback", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Roll a host back to an earlier commit that the agent applied there and found healthy. The"
                + " whole host goes back (a host is always at one commit, whichever service is the trouble). The"
                + " agent applies it as its next reconcile, with health checks as usual, and then holds the host"
                + " there: new commits are not applied to it and drift is healed back to the rolled-back commit,"
                + " until `driftless resume --host H` or a commit newer than the newest one known now arrives."
                + " The hold survives an agent restart; status shows it, history records who asked.", "",
            "Exit codes: 0 = rollback accepted (the host is held; the apply follows), 1 = error (agent unreachable,"
                    + " token refused, unknown host or commit, the commit was never healthy on that host)."})
final class RollbackCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AgentClientOptions client;

    @Option(names = "--host", paramLabel = "H", required = true,
            description = "The host to roll back, as the inventory names it.")
    String host;

    @Option(names = "--to", paramLabel = "COMMIT", required = true,
            description = "The commit to put it back at: its id, or at least its first 7 hex digits (driftless"
                    + " history --host H shows the commits applied there).")
    String commit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("host", host.strip());
        body.put("commit", commit.strip());
        Optional<HttpResponse<String>> answer = client.post("/api/rollback", body, 202, "roll " + host.strip()
                + " back", err);
        if (answer.isEmpty()) {
            return 1;
        }
        String held = commit.strip();
        try {
            JsonNode node = StatusCommand.AgentHttp.MAPPER.readTree(answer.get().body());
            held = node.path("held").path("commit").asText(held);
        } catch (IOException e) {
            // the commit as given says enough
        }
        out.println("Rolling " + host.strip() + " back to " + PlanPrinter.shortRevision(held) + " (the whole host);"
                + " the agent applies it next. Automatic applies on " + host.strip() + " are held until `driftless"
                + " resume --host " + host.strip() + "` or a newer commit arrives.");
        out.flush();
        return 0;
    }
}
