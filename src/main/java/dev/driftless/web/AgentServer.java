package dev.driftless.web;

import dev.driftless.agent.AgentMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.agent.AgentControl;
import dev.driftless.agent.AgentStatus;
import dev.driftless.agent.RollbackRefused;
import dev.driftless.store.HistoryDocument;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import io.javalin.http.Handler;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code driftless agent}: webhooks that trigger a fetch at once, the JSON API a dashboard and
 * {@code driftless status|suspend|resume} use, health checks and Prometheus metrics.
 *
 * <pre>
 * POST /hooks/github   X-Hub-Signature-256: sha256=&lt;hex&gt;      (a "ping" event answers 200, triggers nothing)
 * POST /hooks/gitea    X-Gitea-Signature or X-Forgejo-Signature: &lt;hex&gt;
 * POST /hooks/gitlab   X-Gitlab-Token: &lt;secret&gt;
 * POST /hooks/generic  X-Signature: sha256=&lt;hex&gt;                (an empty body is allowed)
 *   → 202 triggered; 401 bad or missing signature; 413 body over 1 MiB; 400 not JSON; 503 no secret configured
 *   (any body: 408 when it has not arrived in full 10 s after the headers; 503 when the bodies being received at
 *   once would hold over 32 MiB; see {@link HttpLimits})
 * (hooks: on the hooks listener only when there is one, see {@link Listeners})
 * Every /api/* call: Authorization: Bearer &lt;token&gt; of {@link ApiTokens}; 401 without a valid one, 403 when its
 *   role does not allow the call, 503 when the agent has no token of that role
 * GET  /api/status     AgentStatus as JSON (read)
 * GET  /api/history?host=&amp;service=&amp;agent=&amp;limit=&amp;diffs=&amp;cursor=   the history document of
 *      {@link HistoryDocument} (read; limit 1..1000, default 50; diffs=true adds each change's diff; cursor= the
 *      "next" of the page before; streamed from the database; 503 when 4 pages are being sent already)
 * GET  /api/fleet      {@link FleetDocument}: every agent sharing the history database, this one live (read)
 * POST /api/suspend, /api/resume   {"host": "web-1"} or ?host=web-1 (none: every host) (control; the token's
 *   name is recorded as who suspended) → 200; 400 unknown host
 * POST /api/rollback   {"host": "web-1", "commit": "&lt;id or 7+ hex digits&gt;"} (control; the token's name is recorded
 *   as who asked) → 202 {"host", "held": {"commit", "by", "since"}}, the host held at that commit; 400 missing field,
 *   unknown host or commit; 409 never applied and healthy on that host, or a --dry-run agent; 503 history unreadable
 * POST /api/allow-rewind   {"commit": "&lt;id or 7+ hex digits&gt;"} (control; the token's name is recorded as who
 *   allowed) → 202 {"allowed": {"commit", "by", "since"}}: the commit the ref names, refused as a step back, is
 *   applied once; 400 not a commit id, or not one the agent fetched; 409 not the commit the ref names, or --dry-run
 * GET  /healthz (200 "ok", or 503 "unhealthy: &lt;why&gt;" while control.unhealthy() says so),
 *      /readyz (200 once control.ready(), else 503): open
 * GET  /metrics        open, or any token once a metrics token is set
 * </pre>
 */
public final class AgentServer implements AutoCloseable {

    /** The largest request body accepted (webhooks and API) by default: 1 MiB. */
    public static final int MAX_BODY_BYTES = HttpLimits.DEFAULTS.maxBodyBytes();
    private static final int DEFAULT_HISTORY_LIMIT = 50;
    private static final int MAX_HISTORY_LIMIT = 1000;
    private static final String JSON = "application/json";
    private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);

    private final Javalin app;
    private final AgentControl control;
    private final AgentMetrics metrics;
    private final HistorySource history;
    private final HttpLimits limits;
    private final Semaphore historyPages;
    private final Optional<byte[]> webhookSecret;
    private final ApiTokens tokens;
    private final Listeners listeners;
    private final Optional<Site> site;
    /** The connector serving only webhooks (--hooks-listen), or null when everything is served on one. */
    private volatile Connector hooksConnector;

    private AgentServer(Listeners listeners, AgentControl control, AgentMetrics metrics, HistorySource history,
            Optional<byte[]> webhookSecret, ApiTokens tokens, HttpLimits limits, Optional<Site> site) {
        Listen address = Listen.parse(listeners.api());
        Optional<Listen> hooksAddress = listeners.hooks().map(Listen::parse);
        Optional<SslContextFactory.Server> tls = listeners.tls().map(TlsFiles::contextFactory);
        this.listeners = listeners;
        this.site = Objects.requireNonNull(site, "site");
        this.control = Objects.requireNonNull(control, "control");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.history = history;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.historyPages = new Semaphore(limits.historyPages());
        this.webhookSecret = webhookSecret.filter(secret -> secret.length > 0).map(byte[]::clone);
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        // Slow clients must not hold these threads. Reading headers never does (Jetty parses them as they arrive);
        // reading a body would, so RequestBodies receives every body before a route runs. A long response to a
        // client that does not read (GET /api/history) holds its thread until the idle timeout.
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("driftless-http");
        threads.setDaemon(true);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = limits.maxBodyBytes();
            config.jetty.threadPool = threads;
            config.jetty.modifyServer(server -> server.insertHandler(new RequestBodies(limits)));
            // the API connector first: Javalin's port() is the first connector's
            config.jetty.addConnector((server, http) -> connector(server, http, address, tls, limits));
            hooksAddress.ifPresent(hooks -> config.jetty.addConnector((server, http) -> {
                ServerConnector connector = connector(server, http, hooks, tls, limits);
                hooksConnector = connector;
                return connector;
            }));
            config.routes.post("/hooks/github", hook(ctx -> webhook(ctx, Provider.GITHUB)));
            config.routes.post("/hooks/gitea", hook(ctx -> webhook(ctx, Provider.GITEA)));
            config.routes.post("/hooks/gitlab", hook(ctx -> webhook(ctx, Provider.GITLAB)));
            config.routes.post("/hooks/generic", hook(ctx -> webhook(ctx, Provider.GENERIC)));
            config.routes.get("/api/status", api(ApiTokens.Role.READ, (ctx, token) -> json(ctx, 200, control.status())));
            config.routes.get("/api/history", api(ApiTokens.Role.READ, (ctx, token) -> history(ctx)));
            config.routes.get("/api/fleet", api(ApiTokens.Role.READ,
                    (ctx, token) -> json(ctx, 200, FleetDocument.read(control.status(), history))));
            config.routes.post("/api/suspend", api(ApiTokens.Role.CONTROL, (ctx, token) -> suspension(ctx, token, true)));
            config.routes.post("/api/resume", api(ApiTokens.Role.CONTROL, (ctx, token) -> suspension(ctx, token, false)));
            config.routes.post("/api/rollback", api(ApiTokens.Role.CONTROL, this::rollback));
            config.routes.post("/api/allow-rewind", api(ApiTokens.Role.CONTROL, this::allowRewind));
            config.routes.get("/healthz", api(ctx -> health(ctx)));
            config.routes.get("/readyz", api(ctx -> ready(ctx)));
            config.routes.get("/metrics", api(ApiTokens.Role.METRICS, (ctx, token) -> metrics(ctx)));
            site.ifPresent(pages -> pages.routes(config, this::api, tls.isPresent()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: " + e);
            });
        });
    }

    /**
     * Starts listening.
     *
     * @param listen "host:port", "[::1]:port", ":port" (every interface) or "port"; port 0 picks a free one
     * @param history may be null when the agent records no history (then /api/history answers 503)
     * @param webhookSecret the shared secret of every webhook; empty: webhooks answer 503
     * @param apiToken the bearer token of suspend/resume; empty: those answer 503
     * @throws IllegalArgumentException when listen is malformed
     * @throws IllegalStateException when the address cannot be bound
     */
    public static AgentServer start(String listen, AgentControl control, AgentMetrics metrics, HistorySource history,
            Optional<byte[]> webhookSecret, Optional<String> apiToken) {
        return start(listen, control, metrics, history, webhookSecret, apiToken, HttpLimits.DEFAULTS);
    }

    public static AgentServer start(String listen, AgentControl control, AgentMetrics metrics, HistorySource history,
            Optional<byte[]> webhookSecret, Optional<String> apiToken, HttpLimits limits) {
        return start(Listeners.on(listen), control, metrics, history, webhookSecret,
                apiToken.map(ApiTokens::single).orElse(ApiTokens.none()), limits);
    }

    /** Starts listening with the default limits: see {@link #start(Listeners, AgentControl, AgentMetrics,
     * HistorySource, Optional, ApiTokens, HttpLimits)}. */
    public static AgentServer start(Listeners listeners, AgentControl control, AgentMetrics metrics,
            HistorySource history, Optional<byte[]> webhookSecret, ApiTokens tokens) {
        return start(listeners, control, metrics, history, webhookSecret, tokens, HttpLimits.DEFAULTS);
    }

    /**
     * Starts listening on the API address and, when given, the hooks address.
     *
     * @param tokens who may read (/api/status, /api/history), control (/api/suspend, /api/resume) and, when a
     *     metrics token is set, scrape /metrics
     * @throws IllegalArgumentException when an address is malformed or the TLS files cannot be loaded
     * @throws IllegalStateException when an address cannot be bound
     */
    public static AgentServer start(Listeners listeners, AgentControl control, AgentMetrics metrics,
            HistorySource history, Optional<byte[]> webhookSecret, ApiTokens tokens, HttpLimits limits) {
        return start(listeners, control, metrics, history, webhookSecret, tokens, limits, Optional.empty());
    }

    /**
     * Starts listening as above, and serves {@code site} (the dashboard) on the API listener; it is closed with the
     * server.
     */
    public static AgentServer start(Listeners listeners, AgentControl control, AgentMetrics metrics,
            HistorySource history, Optional<byte[]> webhookSecret, ApiTokens tokens, HttpLimits limits,
            Optional<Site> site) {
        AgentServer server = new AgentServer(listeners, control, metrics, history, webhookSecret, tokens, limits, site);
        String listen = listeners.api() + listeners.hooks().map(hooks -> " and " + hooks).orElse("");
        try {
            server.app.start();
        } catch (RuntimeException e) {
            try {
                server.app.stop();
            } catch (RuntimeException ignored) {
                // already failed to start
            }
            site.ifPresent(Site::close);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot listen on " + listen + ": " + cause.getMessage(), e);
        }
        return server;
    }

    /** The port listened on (the one picked when started with port 0). */
    public int port() {
        return app.port();
    }

    /** The port of the hooks listener, when there is one. */
    public Optional<Integer> hooksPort() {
        Connector hooks = hooksConnector;
        return hooks instanceof ServerConnector connector ? Optional.of(connector.getLocalPort()) : Optional.empty();
    }

    private static ServerConnector connector(Server server, HttpConfiguration http, Listen address,
            Optional<SslContextFactory.Server> tls, HttpLimits limits) {
        ServerConnector connector;
        if (tls.isPresent()) {
            HttpConfiguration https = new HttpConfiguration(http);
            // clients reach the agent by IP address as often as by name: no SNI host check
            https.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
            connector = new ServerConnector(server, new SslConnectionFactory(tls.get(), "http/1.1"),
                    new HttpConnectionFactory(https));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(address.host());
        connector.setPort(address.port());
        // the only time limit on a quiet connection, so it is long enough for a stream of server-sent
        // events (a heartbeat every 15 s; a route that needs longer can set its own per request with
        // ServletChannel.setIdleTimeout); slow bodies have their own deadline in RequestBodies
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        return connector;
    }

    // ---- who may call what, on which listener -----------------------------------------------------------

    /** A route that needs a token of a role; it is given the token that was sent (empty when none was needed). */
    private interface Guarded {
        void handle(Context ctx, Optional<ApiTokens.Token> token) throws Exception;
    }

    /** A webhook route: served on the hooks listener when there is one, else on the only one. */
    private Handler hook(Handler route) {
        return ctx -> {
            if (hooksConnector != null && connectorOf(ctx) != hooksConnector) {
                error(ctx, 404, "webhooks are served on the hooks listener (" + listeners.hooks().orElse("") + ")");
                return;
            }
            route.handle(ctx);
        };
    }

    /** An API, health or metrics route: never served on the hooks listener. */
    private Handler api(Handler route) {
        return ctx -> {
            if (hooksConnector != null && connectorOf(ctx) == hooksConnector) {
                error(ctx, 404, "the hooks listener serves only /hooks/*");
                return;
            }
            route.handle(ctx);
        };
    }

    private Handler api(ApiTokens.Role needed, Guarded route) {
        return api(ctx -> {
            Optional<ApiTokens.Token> token = tokens.bearer(ctx.header("Authorization"));
            if (needed == ApiTokens.Role.METRICS && !tokens.has(ApiTokens.Role.METRICS)) {
                route.handle(ctx, token); // /metrics is open unless a metrics token is set
                return;
            }
            if (!tokens.any(needed)) {
                error(ctx, 503, "no token configured: the agent has no API token with the role " + needed.word()
                        + " (--api-token-file or --tokens-file), so it answers no " + ctx.path());
                return;
            }
            if (token.isEmpty()) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"driftless\"");
                error(ctx, 401, "missing or wrong API token (Authorization: Bearer <token>)");
                return;
            }
            if (!token.get().role().grants(needed)) {
                error(ctx, 403, "the token '" + token.get().name() + "' has the role " + token.get().role().word()
                        + "; " + ctx.path() + " needs " + needed.word());
                return;
            }
            route.handle(ctx, token);
        });
    }

    private static Connector connectorOf(Context ctx) {
        return ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnector();
    }

    @Override
    public void close() {
        try {
            site.ifPresent(Site::close); // first: its open streams end while the server still runs
        } finally {
            app.stop();
        }
    }

    // ---- webhooks ---------------------------------------------------------------------------------------

    /** The forges whose webhooks are understood, with the header naming the event (if they send one). */
    enum Provider {
        GITHUB("github"), GITEA("gitea"), GITLAB("gitlab"), GENERIC("generic");

        final String name;

        Provider(String name) {
            this.name = name;
        }
    }

    private void webhook(Context ctx, Provider provider) throws IOException {
        if (webhookSecret.isEmpty()) {
            error(ctx, 503, "webhooks are disabled: the agent has no webhook secret (--webhook-secret-file or"
                    + " DRIFTLESS_WEBHOOK_SECRET); unsigned hooks are never accepted");
            return;
        }
        Optional<byte[]> read = readBody(ctx);
        if (read.isEmpty()) {
            error(ctx, 413, RequestBodies.tooLarge(limits));
            return;
        }
        byte[] body = read.get();
        byte[] secret = webhookSecret.get();
        boolean valid = switch (provider) {
            case GITHUB -> WebhookVerifier.github(secret, body, ctx.header("X-Hub-Signature-256"));
            case GITEA -> WebhookVerifier.gitea(secret, body, firstHeader(ctx, "X-Gitea-Signature",
                    "X-Forgejo-Signature"));
            case GITLAB -> WebhookVerifier.gitlab(secret, ctx.header("X-Gitlab-Token"));
            case GENERIC -> WebhookVerifier.generic(secret, body, ctx.header("X-Signature"));
        };
        if (!valid) {
            LOG.warn("rejected a {} webhook from {}: wrong or missing signature", provider.name, ctx.ip());
            error(ctx, 401, "wrong or missing signature");
            return;
        }
        String problem = jsonProblem(ctx, provider, body);
        if (problem != null) {
            error(ctx, 400, problem);
            return;
        }
        if (provider == Provider.GITHUB && "ping".equalsIgnoreCase(ctx.header("X-GitHub-Event"))) {
            json(ctx, 200, Map.of("triggered", false, "message", "pong"));
            return;
        }
        control.requestReconcile("webhook:" + provider.name);
        json(ctx, 202, Map.of("triggered", true));
    }

    /** Why the signed body is not a JSON payload, or null when it is one. */
    private static String jsonProblem(Context ctx, Provider provider, byte[] body) {
        if (provider == Provider.GENERIC && body.length == 0) {
            return null;
        }
        byte[] payload = body;
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (provider == Provider.GITHUB && type.startsWith("application/x-www-form-urlencoded")) {
            // GitHub's other content type: payload=<url-encoded JSON>
            String form = new String(body, StandardCharsets.UTF_8);
            payload = null;
            for (String pair : form.split("&")) {
                if (pair.startsWith("payload=")) {
                    try {
                        payload = URLDecoder.decode(pair.substring("payload=".length()), StandardCharsets.UTF_8)
                                .getBytes(StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        return "the form body is not URL-encoded: " + e.getMessage();
                    }
                }
            }
            if (payload == null) {
                return "the form body has no payload field";
            }
        }
        try {
            JsonNode node = Json.mapper().readTree(payload);
            if (node == null || node.isMissingNode() || !(node.isObject() || node.isArray())) {
                return "the body is not a JSON object";
            }
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "the body is not valid JSON: " + e.getOriginalMessage();
        } catch (IOException e) {
            return "the body is not valid JSON: " + e.getMessage();
        }
    }

    private static String firstHeader(Context ctx, String... names) {
        for (String name : names) {
            String value = ctx.header(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /**
     * The request body, or empty when it is over the limit. {@link RequestBodies} has received it in full already
     * (and answered 413 to a larger one), so this reads from memory and never waits on the client.
     */
    private Optional<byte[]> readBody(Context ctx) throws IOException {
        byte[] body = ctx.req().getInputStream().readNBytes(limits.maxBodyBytes() + 1);
        return body.length > limits.maxBodyBytes() ? Optional.empty() : Optional.of(body);
    }

    // ---- API ------------------------------------------------------------------------------------------------

    private void history(Context ctx) {
        if (history == null) {
            error(ctx, 503, "this agent records no history");
            return;
        }
        int limit = DEFAULT_HISTORY_LIMIT;
        String limitParam = ctx.queryParam("limit");
        if (limitParam != null && !limitParam.isBlank()) {
            try {
                limit = Integer.parseInt(limitParam.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
                error(ctx, 400, "limit must be a number from 1 to " + MAX_HISTORY_LIMIT + ", not '" + limitParam + "'");
                return;
            }
        }
        HistoryQuery.Diffs diffs;
        switch (param(ctx.queryParam("diffs")).orElse("false").toLowerCase(Locale.ROOT)) {
            case "true" -> diffs = HistoryQuery.Diffs.INCLUDED;
            case "false" -> diffs = HistoryQuery.Diffs.LEFT_OUT;
            default -> {
                error(ctx, 400, "diffs must be true or false, not '" + ctx.queryParam("diffs") + "'");
                return;
            }
        }
        HistoryQuery query = new HistoryQuery(param(ctx.queryParam("host")), param(ctx.queryParam("service")), limit,
                diffs, param(ctx.queryParam("agent")));
        Optional<String> cursor = param(ctx.queryParam("cursor"));
        if (cursor.isPresent()) {
            try {
                query = query.before(cursor.get());
            } catch (IllegalArgumentException e) {
                error(ctx, 400, "cursor: " + e.getMessage());
                return;
            }
        }
        if (!historyPages.tryAcquire()) {
            ctx.header("Retry-After", "5");
            error(ctx, 503, "the agent is sending " + limits.historyPages() + " history pages already; try again"
                    + " shortly");
            return;
        }
        HistoryDocument page = new HistoryDocument(
                () -> new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8), diffs);
        try {
            ctx.status(200).contentType(JSON);
            history.history(query, page);
            page.finish();
        } catch (RuntimeException e) {
            if (!page.started()) {
                LOG.warn("GET /api/history failed: {}", e.getMessage());
                error(ctx, e instanceof StoreException ? 503 : 500, "cannot read the history: " + e.getMessage());
                return;
            }
            // part of a page has gone out as 200: cut the connection so the client cannot take it for the whole
            LOG.warn("GET /api/history failed after part of the page was sent; the connection is closed", e);
            ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                    .getEndPoint().close(e);
        } finally {
            historyPages.release();
        }
    }

    private void suspension(Context ctx, Optional<ApiTokens.Token> token, boolean suspend) throws IOException {
        Optional<byte[]> body = readBody(ctx);
        if (body.isEmpty()) {
            error(ctx, 413, RequestBodies.tooLarge(limits));
            return;
        }
        Optional<String> host = param(ctx.queryParam("host"));
        if (host.isEmpty() && body.get().length > 0) {
            try {
                JsonNode node = Json.mapper().readTree(body.get());
                if (node != null && !node.isObject()) {
                    error(ctx, 400, "the body must be a JSON object such as {\"host\": \"web-1\"}");
                    return;
                }
                if (node != null && node.hasNonNull("host")) {
                    if (!node.get("host").isTextual()) {
                        error(ctx, 400, "host must be a string");
                        return;
                    }
                    host = param(node.get("host").asText());
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                error(ctx, 400, "the body is not valid JSON: " + e.getOriginalMessage());
                return;
            }
        }
        try {
            if (suspend) {
                control.suspend(host, token.map(ApiTokens.Token::name).orElse("api"));
            } else {
                control.resume(host, token.map(ApiTokens.Token::name).orElse("api"));
            }
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        try {
            metrics.observeSuspension(control.status());
        } catch (RuntimeException e) {
            LOG.warn("could not update the suspension metrics", e);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("host", host.orElse(null));
        answer.put("suspended", suspend);
        json(ctx, 200, answer);
    }

    /** Rolls a whole host back to a commit that was healthy there, and holds it; see {@link AgentControl#rollback}. */
    private void rollback(Context ctx, Optional<ApiTokens.Token> token) throws IOException {
        String usage = "the body must be a JSON object such as {\"host\": \"web-1\", \"commit\": \"3c6aeb02d1d7\"}";
        Optional<JsonNode> body = textFields(ctx, usage, usage + " (host: the host to roll back, as a whole; commit:"
                + " the commit to put it back at)", "host", "commit");
        if (body.isEmpty()) {
            return;
        }
        JsonNode node = body.get();
        String host = node.get("host").asText().strip();
        AgentStatus.Hold held;
        try {
            held = control.rollback(host, node.get("commit").asText().strip(),
                    token.map(ApiTokens.Token::name).orElse("api"));
        } catch (RollbackRefused e) {
            error(ctx, switch (e.reason()) {
                case UNKNOWN_HOST, UNKNOWN_COMMIT -> 400;
                case NEVER_HEALTHY, DRY_RUN -> 409;
            }, e.getMessage());
            return;
        } catch (StoreException e) {
            error(ctx, 503, "cannot read the history to tell whether the commit was healthy on " + host + ": "
                    + e.getMessage());
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("host", host);
        answer.put("held", held);
        json(ctx, 202, answer);
    }

    /** Lets the commit the agent refused as a step back through once; see {@link AgentControl#allowRewind}. */
    private void allowRewind(Context ctx, Optional<ApiTokens.Token> token) throws IOException {
        String usage = "the body must be a JSON object such as {\"commit\": \"3c6aeb02d1d7\"} (the commit the agent"
                + " refused as a step back)";
        Optional<JsonNode> body = textFields(ctx, usage, usage, "commit");
        if (body.isEmpty()) {
            return;
        }
        AgentStatus.RewindAllowed allowed;
        try {
            allowed = control.allowRewind(body.get().get("commit").asText().strip(),
                    token.map(ApiTokens.Token::name).orElse("api"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        } catch (IllegalStateException e) {
            error(ctx, 409, e.getMessage());
            return;
        }
        json(ctx, 202, Map.of("allowed", allowed));
    }

    /**
     * The request's body as a JSON object in which each of {@code fields} is a string that is not blank; else empty,
     * having answered 413 (too large) or 400 ({@code usage} after a JSON error, {@code missing} when a field is).
     */
    private Optional<JsonNode> textFields(Context ctx, String usage, String missing, String... fields)
            throws IOException {
        Optional<byte[]> body = readBody(ctx);
        if (body.isEmpty()) {
            error(ctx, 413, RequestBodies.tooLarge(limits));
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(body.get());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            error(ctx, 400, "the body is not valid JSON: " + e.getOriginalMessage() + "; " + usage);
            return Optional.empty();
        }
        boolean complete = node != null && node.isObject();
        for (String field : fields) {
            complete = complete && node.path(field).isTextual() && param(node.get(field).asText()).isPresent();
        }
        if (!complete) {
            error(ctx, 400, missing);
            return Optional.empty();
        }
        return Optional.of(node);
    }

    private void health(Context ctx) {
        ctx.contentType("text/plain; charset=utf-8");
        Optional<String> unhealthy = control.unhealthy();
        if (unhealthy.isPresent()) {
            ctx.status(503).result("unhealthy: " + unhealthy.get() + "\n");
        } else {
            ctx.result("ok\n");
        }
    }

    private void ready(Context ctx) {
        ctx.contentType("text/plain; charset=utf-8");
        if (control.ready()) {
            ctx.result("ready\n");
        } else {
            ctx.status(503).result("not ready: the agent has not fetched its source and planned yet\n");
        }
    }

    private void metrics(Context ctx) {
        try {
            // suspension is the control's to know: read it now so a suspend shows at once
            metrics.observeSuspension(control.status());
        } catch (RuntimeException e) {
            LOG.warn("could not read the agent's status for the metrics", e);
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static Optional<String> param(String value) {
        return Optional.ofNullable(value).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static void json(Context ctx, int status, Object value) {
        ctx.status(status).contentType(JSON).result(Json.write(value));
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).contentType(JSON).result(Json.error(message));
    }

    /** A listen address: "host:port", "[v6]:port", ":port" or "port". */
    record Listen(String host, int port) {
        static Listen parse(String listen) {
            String value = Objects.requireNonNull(listen, "listen").strip();
            String host;
            String port;
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                host = "0.0.0.0";
                port = value;
            } else {
                host = value.substring(0, colon);
                port = value.substring(colon + 1);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                } else if (host.contains(":")) {
                    throw new IllegalArgumentException("listen address '" + listen
                            + "': write an IPv6 address in brackets, e.g. [::1]:9090");
                }
                if (host.isEmpty()) {
                    host = "0.0.0.0";
                }
            }
            try {
                int number = Integer.parseInt(port);
                if (number < 0 || number > 65535) {
                    throw new NumberFormatException();
                }
                return new Listen(host, number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("listen address '" + listen
                        + "': expected host:port with a port from 0 to 65535, e.g. 127.0.0.1:9090");
            }
        }
    }

    @Override
    public String toString() {
        return "AgentServer[port=" + port() + ", webhooks=" + (webhookSecret.isPresent() ? "on" : "off")
                + ", " + tokens + "]";
    }
}
