package dev.driftless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks a running agent what it knows: per host and service in sync, pending, drifted, failed or suspended, and
 * healthy or degraded when it has health checks.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what a running agent (driftless agent) knows: its source, the commit applied, and per host"
                + " and service whether it is in sync, pending (changed in Git, not applied yet), drifted (changed on"
                + " the host), failed or suspended, and whether its health checks pass (healthy, degraded). Changes"
                + " nothing.", "",
            "Exit codes: 0 = every service in sync and none degraded, 2 = something pending, drifted, failed,"
                + " suspended, held at a rolled-back commit or degraded (or the source unavailable), 1 = the agent"
                + " cannot be reached or answered an error."})
final class StatusCommand implements Callable<Integer> {

    static final String DEFAULT_AGENT = "http://127.0.0.1:9090";
    private static final int COMMIT_LENGTH = 12;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AgentClientOptions client;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (the agent's /api/status, as it sent it). Default: ${DEFAULT-VALUE}.")
    TargetOptions.Output output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String agent = client.agent;
        Optional<HttpResponse<String>> response = client.send("GET", "/api/status", null, err);
        if (response.isEmpty()) {
            return 1;
        }
        Optional<String> refused = client.refusal(response.get());
        if (refused.isPresent()) {
            err.println("Error: " + refused.get());
            err.flush();
            return 1;
        }
        if (response.get().statusCode() != 200) {
            err.println("Error: the agent at " + AgentHttp.base(agent) + " answered " + response.get().statusCode()
                    + ": " + AgentHttp.errorMessage(response.get().body()));
            err.flush();
            return 1;
        }
        JsonNode status;
        try {
            status = AgentHttp.MAPPER.readTree(response.get().body());
        } catch (IOException e) {
            status = null;
        }
        if (status == null || !status.isObject()) {
            err.println("Error: the agent at " + AgentHttp.base(agent) + " sent a status that is not a JSON object"
                    + " (is --agent the address of a driftless agent?)");
            err.flush();
            return 1;
        }
        if (output == TargetOptions.Output.json) {
            try {
                out.println(AgentHttp.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            printText(status, out);
        }
        out.flush();
        return allInSync(status) ? 0 : 2;
    }

    /**
     * Whether the source is fine, nothing failed, no host is suspended or held at a rolled-back commit, every service
     * is in sync and none degraded.
     */
    static boolean allInSync(JsonNode status) {
        if (!"ok".equals(text(status, "source").orElse("ok"))
                || text(status, "failedCommit").isPresent() || text(status, "failure").isPresent()
                || status.path("suspended").asBoolean(false)) {
            return false;
        }
        for (JsonNode host : status.path("hosts")) {
            if (host.path("suspended").asBoolean(false) || host.path("held").isObject()) {
                return false;
            }
            for (JsonNode service : host.path("services")) {
                if (!"in-sync".equals(service.path("sync").asText())
                        || "degraded".equals(service.path("health").asText())) {
                    return false;
                }
            }
        }
        return true;
    }

    static void printText(JsonNode status, PrintWriter out) {
        String source = text(status, "source").orElse("unknown");
        StringBuilder line = new StringBuilder("Source: ").append(text(status, "repo").orElse("?"));
        text(status, "ref").ifPresent(ref -> line.append(" (").append(ref).append(')'));
        line.append(": ").append(source);
        text(status, "sourceError").ifPresent(error -> line.append(": ").append(error));
        text(status, "latestCommit").ifPresent(commit -> line.append(", latest commit ").append(shortCommit(commit)));
        out.println(line);
        Optional<String> applied = text(status, "appliedCommit");
        if (applied.isPresent()) {
            out.println("Applied: " + shortCommit(applied.get())
                    + text(status, "appliedAt").map(at -> " at " + at).orElse("")
                    + signer(status, applied.get()).map(s -> ", signed by " + s).orElse(""));
        } else {
            out.println("Applied: nothing yet");
        }
        Optional<String> failedCommit = text(status, "failedCommit");
        Optional<String> failure = text(status, "failure");
        if (failedCommit.isPresent() || failure.isPresent()) {
            out.println("Failed: " + failedCommit.map(commit -> "commit " + shortCommit(commit)).orElse("")
                    + (failedCommit.isPresent() && failure.isPresent() ? ": " : "") + failure.orElse(""));
        }
        JsonNode untrusted = status.path("untrusted");
        if (untrusted.isObject()) {
            out.println("Untrusted: commit " + shortCommit(untrusted.path("commit").asText()) + " ("
                    + untrusted.path("reason").asText() + text(untrusted, "signer").map(s -> ", signed by " + s)
                    .orElse("") + ") is applied nowhere; the next commit signed by a trusted key is");
        } else if (status.path("verifySignatures").asBoolean(false)) {
            out.println("Signatures: only commits signed by a trusted key are applied");
        }
        if (status.path("suspended").asBoolean(false)) {
            out.println("Suspended: automatic applies are suspended on every host (driftless resume)");
        }
        JsonNode hosts = status.path("hosts");
        if (hosts.isEmpty()) {
            out.println();
            out.println("No hosts reported yet (the agent has not planned once).");
            return;
        }
        for (JsonNode host : hosts) {
            out.println();
            String detail = text(host, "appliedCommit").map(commit -> "commit " + shortCommit(commit))
                    .orElse("nothing applied yet");
            if (host.path("suspended").asBoolean(false)) {
                detail += ", suspended";
            }
            JsonNode held = host.path("held");
            if (held.isObject()) {
                detail += ", held at " + shortCommit(held.path("commit").asText()) + " (rolled back by "
                        + held.path("by").asText("?") + "; driftless resume --host " + host.path("host").asText()
                        + " or a newer commit ends it)";
            }
            JsonNode refused = host.path("rewindRefused");
            if (refused.isObject()) {
                detail += ", refused commit " + shortCommit(refused.path("commit").asText()) + " as a rewind"
                        + " (driftless allow-rewind --to " + shortCommit(refused.path("commit").asText())
                        + " lets it through once)";
            }
            out.println(host.path("host").asText() + "  (" + detail + ")");
            int width = 0;
            for (JsonNode service : host.path("services")) {
                width = Math.max(width, service.path("service").asText().length());
            }
            for (JsonNode service : host.path("services")) {
                String state = service.path("sync").asText();
                int drifted = service.path("driftedResources").asInt(0);
                if (drifted > 0) {
                    state += " (" + drifted + (drifted == 1 ? " resource)" : " resources)");
                }
                // health only for a service whose checks ran: "in-sync, degraded"
                String health = service.path("health").asText("unknown");
                if (!health.equals("unknown")) {
                    state += ", " + health;
                }
                out.println("  " + pad(service.path("service").asText(), width) + "  " + state);
            }
            if (host.path("services").isEmpty()) {
                out.println("  (no services)");
            }
        }
    }

    /** Who signed {@code commit}, when the agent verified it (the status's commits say). */
    private static Optional<String> signer(JsonNode status, String commit) {
        for (JsonNode known : status.path("commits")) {
            if (commit.equals(known.path("id").asText())) {
                return text(known, "signer");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }

    private static String shortCommit(String commit) {
        return commit.length() > COMMIT_LENGTH && commit.matches("[0-9a-f]+") ? commit.substring(0, COMMIT_LENGTH)
                : commit;
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    /** Talks to a running agent over HTTP; every failure becomes one clear line on stderr. */
    static final class AgentHttp {

        static final ObjectMapper MAPPER = new ObjectMapper();
        private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
        private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

        private AgentHttp() {
        }

        /** The agent's URL without a trailing slash; "host:port" alone means http://host:port. */
        static String base(String agent) {
            String url = agent.strip();
            if (!url.contains("://")) {
                url = "http://" + url;
            }
            while (url.endsWith("/")) {
                url = url.substring(0, url.length() - 1);
            }
            return url;
        }

        /**
         * Sends a request; empty (after printing why on err) when the agent could not be asked or reached.
         *
         * @param token a bearer token, if the call needs one
         * @param jsonBody a JSON body (POST), or null for none
         * @param tls the trust for an https:// agent; empty: the system's
         */
        static Optional<HttpResponse<String>> send(String agent, String method, String path, Optional<String> token,
                String jsonBody, Optional<SSLContext> tls, PrintWriter err) {
            String base = base(agent);
            Optional<URI> uri = uri(agent, path, err);
            if (uri.isEmpty()) {
                return Optional.empty();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri.get()).timeout(REQUEST_TIMEOUT)
                    .header("Accept", "application/json");
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            if (jsonBody != null) {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER);
            tls.ifPresent(builder::sslContext);
            HttpClient client = builder.build();
            try {
                return Optional.of(client.send(request.build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
            } catch (ConnectException e) {
                err.println("Error: cannot reach the agent at " + base + ": connection refused or unreachable."
                        + " Is `driftless agent` running there? (--agent URL)");
            } catch (HttpTimeoutException e) {
                err.println("Error: the agent at " + base + " did not answer in time (" + e.getMessage() + ")");
            } catch (IOException e) {
                err.println("Error: cannot reach the agent at " + base + ": " + describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("Error: interrupted while waiting for the agent at " + base);
            }
            err.flush();
            return Optional.empty();
        }

        /** The URL of a path of the agent; empty (after printing why on err) when --agent is not an http(s) URL. */
        static Optional<URI> uri(String agent, String path, PrintWriter err) {
            try {
                URI uri = URI.create(base(agent) + path);
                String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
                return Optional.of(uri);
            } catch (IllegalArgumentException e) {
                err.println("Error: --agent " + agent + " is not an http(s) URL such as " + DEFAULT_AGENT);
                err.flush();
                return Optional.empty();
            }
        }

        /** The agent's {"error": "..."} message, or the start of whatever else it sent. */
        static String errorMessage(String body) {
            try {
                JsonNode node = MAPPER.readTree(body);
                if (node != null && node.hasNonNull("error")) {
                    return node.get("error").asText();
                }
            } catch (IOException e) {
                // not JSON: show it as text
            }
            String text = body == null ? "" : body.strip();
            return text.isEmpty() ? "(no message)" : text.length() > 200 ? text.substring(0, 200) + "..." : text;
        }

        private static String describe(IOException e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getMessage() == null) {
                cause = cause.getCause();
            }
            return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        }
    }
}
