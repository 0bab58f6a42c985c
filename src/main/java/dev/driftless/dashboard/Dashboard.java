package dev.driftless.dashboard;

import dev.driftless.agent.AgentControl;
import dev.driftless.agent.AgentStatus;
import dev.driftless.agent.ServiceReport;
import dev.driftless.store.HistoryPage;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Fleet;
import dev.driftless.store.StoreException;
import dev.driftless.web.ApiTokens;
import dev.driftless.web.Site;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard the agent serves at {@code /} on its API listener: sign-in with one of the agent's API tokens, the
 * overview (what needs attention, then every host x service), kept live over Server-Sent Events.
 *
 * <pre>
 * GET  /login, POST /login (form: token)   303 to / when the token is a read or control token; 401 wrong token,
 *                                           403 a metrics token, 429 (Retry-After) after 5 failures from one address
 * POST /logout                              ends the session (CSRF token needed)
 * GET  /                                    the overview (signed in; else 303 to /login)
 * GET  /events                              text/event-stream: event "board" (the overview's HTML) at once and at each
 *                                           change, a comment every heartbeat; 429 past the streams' bounds
 * GET  /hosts/{host}/services/{service}     a service's page: state, actions, resources, last drift, health checks,
 *                                           handlers, history (?before=CURSOR: older), README; 404 for an unknown one
 * GET  /hosts/{host}/services/{service}/state   the page's live part alone (htmx fetches it at each change)
 * POST /hosts/{host}/check                  a drift check of the host now (control)
 * POST /hosts/{host}/suspend, /resume       automatic applies of the host held back, or let go again (control)
 * POST /hosts/{host}/services/{service}/rollback (form: commit)   the host back to a commit healthy there (control)
 * POST /suspend, /resume                    the same for every host (control)
 * GET  /assets/...                          the CSS, htmx and its SSE extension (open: the sign-in page needs them)
 * </pre>
 *
 * Every page is for a signed-in session only, and shows what {@code /api/status} shows to its token. Every POST needs
 * the session's CSRF token (form field {@code csrf} or header {@code X-CSRF-Token}) and, for an action, a control
 * token's session; who acts is the token's name.
 */
public final class Dashboard implements Site {

    /** The session cookie's name. */
    static final String COOKIE = "driftless_session";
    static final String CSRF_FIELD = "csrf";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final String ASSETS = "/assets/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Map<String, Asset> ASSET_FILES = Map.of(
            "dashboard.css", new Asset("/dev/driftless/dashboard/dashboard.css", "text/css; charset=utf-8"),
            "htmx.min.js", new Asset("/META-INF/resources/webjars/htmx.org/2.0.10/dist/htmx.min.js",
                    "text/javascript; charset=utf-8"),
            "htmx-ext-sse.js", new Asset("/META-INF/resources/webjars/htmx-ext-sse/2.2.2/sse.js",
                    "text/javascript; charset=utf-8"));
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    /** History rows on a service's page. */
    static final int HISTORY_PAGE = 20;

    private final AgentControl control;
    private final ApiTokens tokens;
    private final Clock clock;
    private final Sessions sessions;
    private final LoginThrottle throttle;
    private final Templates templates = new Templates();
    private final LiveBoard live;
    private final Optional<HistoryStore> history;
    private final Readme readme = new Readme();
    private final Map<String, byte[]> assets = new HashMap<>();
    private boolean secure;
    // the history database shared with other agents, when the agent has one (set once, before the routes serve)
    private Optional<Fleet> fleet = Optional.empty();

    private record Asset(String resource, String type) {
    }

    /** A page or action of a signed-in session. */
    @FunctionalInterface
    interface SessionRoute {
        void handle(Context ctx, Sessions.Session session) throws Exception;
    }

    /** The dashboard of {@code control}, signing in with {@code tokens}, without history (service pages say so). */
    public static Dashboard of(AgentControl control, ApiTokens tokens) {
        return new Dashboard(control, tokens, Optional.empty(), Clock.systemUTC(), HEARTBEAT);
    }

    /** The dashboard of {@code control}, signing in with {@code tokens}, showing the history of {@code history}. */
    public static Dashboard of(AgentControl control, ApiTokens tokens, HistoryStore history) {
        Dashboard dashboard = new Dashboard(control, tokens, Optional.of(history), Clock.systemUTC(), HEARTBEAT);
        dashboard.fleet = Optional.of(history); // the history database is also where the fleet's agents publish
        return dashboard;
    }

    /**
     * The same, showing below the agent's own hosts those of the other agents that publish to {@code fleet} (the
     * history database they share).
     */
    public static Dashboard of(AgentControl control, ApiTokens tokens, Fleet fleet) {
        Dashboard dashboard = of(control, tokens);
        dashboard.fleet = Optional.of(fleet);
        return dashboard;
    }

    /** With the clock of sessions and sign-in throttling, and the streams' heartbeat, chosen (tests). */
    Dashboard(AgentControl control, ApiTokens tokens, Optional<HistoryStore> history, Clock clock, Duration heartbeat) {
        this.control = Objects.requireNonNull(control, "control");
        this.history = history;
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.clock = clock;
        this.sessions = new Sessions(clock);
        this.throttle = new LoginThrottle(clock);
        this.live = new LiveBoard(this::board, heartbeat, sessions::sweep);
        control.onChange(live::changed);
    }

    @Override
    public void routes(JavalinConfig config, UnaryOperator<Handler> apiListenerOnly, boolean secure) {
        this.secure = secure;
        config.fileRenderer(templates);
        var routes = config.routes;
        routes.get(ASSETS + "{file}", apiListenerOnly.apply(this::asset));
        routes.get("/login", apiListenerOnly.apply(this::loginPage));
        routes.post("/login", apiListenerOnly.apply(this::login));
        routes.post("/logout", apiListenerOnly.apply(action(ApiTokens.Role.READ, this::logout)));
        routes.get("/", apiListenerOnly.apply(page(this::overview)));
        routes.get("/events", apiListenerOnly.apply(this::events));
        // ---- the service page and the actions (check now, suspend/resume, roll back) go here: pages with
        // page(...), every POST with action(ApiTokens.Role.CONTROL, ...), so CSRF and the token's role are checked
        routes.get("/hosts/{host}/services/{service}", apiListenerOnly.apply(page(this::service)));
        routes.get("/hosts/{host}/services/{service}/state", apiListenerOnly.apply(page(this::serviceState)));
        routes.post("/hosts/{host}/check", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL, this::checkNow)));
        routes.post("/hosts/{host}/suspend", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL,
                (ctx, session) -> suspension(ctx, session, Optional.of(ctx.pathParam("host")), true))));
        routes.post("/hosts/{host}/resume", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL,
                (ctx, session) -> suspension(ctx, session, Optional.of(ctx.pathParam("host")), false))));
        routes.post("/hosts/{host}/services/{service}/rollback", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL,
                this::rollback)));
        routes.post("/suspend", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL,
                (ctx, session) -> suspension(ctx, session, Optional.empty(), true))));
        routes.post("/resume", apiListenerOnly.apply(action(ApiTokens.Role.CONTROL,
                (ctx, session) -> suspension(ctx, session, Optional.empty(), false))));
    }

    @Override
    public void close() {
        live.close();
        sessions.endAll();
    }

    // ---- guards --------------------------------------------------------------------------------------------

    /** A page: for a signed-in session, else a redirect to the sign-in form. */
    Handler page(SessionRoute route) {
        return ctx -> {
            headers(ctx);
            Optional<Sessions.Session> session = session(ctx);
            if (session.isEmpty()) {
                ctx.redirect("/login", HttpStatus.SEE_OTHER);
                return;
            }
            route.handle(ctx, session.get());
        };
    }

    /**
     * A POST: for a signed-in session whose token has {@code needed}, sending its CSRF token, from a page of this
     * dashboard (no foreign Origin); 401, 403 otherwise.
     */
    Handler action(ApiTokens.Role needed, SessionRoute route) {
        return ctx -> {
            headers(ctx);
            Optional<Sessions.Session> session = session(ctx);
            if (session.isEmpty()) {
                refuse(ctx, 401, "You are not signed in (or your session ended): sign in again at /login.");
                return;
            }
            if (!sameOrigin(ctx)) {
                refuse(ctx, 403, "This form was sent from another site (Origin " + ctx.header("Origin") + ").");
                return;
            }
            String given = Optional.ofNullable(ctx.header(CSRF_HEADER)).orElseGet(() -> ctx.formParam(CSRF_FIELD));
            if (!session.get().csrfMatches(given)) {
                refuse(ctx, 403, "The form's CSRF token is missing or belongs to another session: reload the page and"
                        + " try again.");
                return;
            }
            if (needed == ApiTokens.Role.CONTROL && !session.get().mayControl()) {
                refuse(ctx, 403, "You signed in with the read token '" + session.get().who() + "': it may view, not"
                        + " act. Sign in with a control token to do this.");
                return;
            }
            route.handle(ctx, session.get());
        };
    }

    private Optional<Sessions.Session> session(Context ctx) {
        return sessions.find(ctx.cookie(COOKIE));
    }

    /** A browser sends Origin with every POST; one that names another host is a cross-site form. */
    private static boolean sameOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return true; // not a browser, or an old one: the CSRF token still has to match
        }
        try {
            String host = URI.create(origin).getAuthority();
            return host != null && host.equalsIgnoreCase(ctx.header("Host"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void headers(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", CSP);
    }

    private void refuse(Context ctx, int status, String message) {
        ctx.status(status).render("dashboard/problem.jte", Map.of("viewer", Viewer.SIGNED_OUT, "status", status,
                "message", message));
    }

    // ---- sign-in -------------------------------------------------------------------------------------------

    private void loginPage(Context ctx) {
        headers(ctx);
        if (session(ctx).isPresent()) {
            ctx.redirect("/", HttpStatus.SEE_OTHER);
            return;
        }
        loginForm(ctx, 200, "");
    }

    private void loginForm(Context ctx, int status, String problem) {
        ctx.status(status).render("dashboard/login.jte", Map.of("viewer", Viewer.SIGNED_OUT, "problem", problem));
    }

    private void login(Context ctx) {
        headers(ctx);
        String address = ctx.ip();
        Optional<Duration> wait = throttle.wait(address);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            ctx.header("Retry-After", Long.toString(seconds));
            loginForm(ctx, 429, "Too many failed sign-ins from your address: try again in " + seconds + " s.");
            return;
        }
        if (!sameOrigin(ctx)) {
            loginForm(ctx, 403, "This form was sent from another site.");
            return;
        }
        Optional<ApiTokens.Token> token = tokens.find(ctx.formParam("token"));
        if (token.isEmpty()) {
            int failures = throttle.failed(address);
            LOG.warn("dashboard: failed sign-in from {} ({} in a row): not one of the agent's API tokens", address,
                    failures);
            loginForm(ctx, 401, "That is not one of this agent's API tokens (--api-token-file, --tokens-file).");
            return;
        }
        if (token.get().role() == ApiTokens.Role.METRICS) {
            LOG.warn("dashboard: refused sign-in from {} with the metrics token '{}'", address, token.get().name());
            loginForm(ctx, 403, "The token '" + token.get().name() + "' is a metrics token: it may scrape /metrics,"
                    + " not sign in. Use a read or control token.");
            return;
        }
        throttle.succeeded(address);
        Sessions.Opened opened = sessions.open(token.get());
        LOG.info("dashboard: '{}' signed in from {} ({})", token.get().name(), address, token.get().role().word());
        ctx.header("Set-Cookie", COOKIE + "=" + opened.id() + "; Path=/; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : ""));
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx, Sessions.Session session) {
        sessions.end(session);
        LOG.info("dashboard: '{}' signed out", session.who());
        ctx.header("Set-Cookie", COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                + (secure ? "; Secure" : ""));
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    // ---- pages ---------------------------------------------------------------------------------------------

    private void overview(Context ctx, Sessions.Session session) {
        ctx.render("dashboard/overview.jte", Map.of("overview", overview(),
                "viewer", Viewer.of(session)));
    }

    /** The attention list and grid alone, as the live stream sends them. */
    private String board(boolean mayControl) {
        return templates.render("dashboard/board.jte", Map.of("overview", overview(), "mayControl", mayControl));
    }

    /** The agent's overview, with the other agents of its fleet when it has one. */
    private Overview overview() {
        AgentStatus status = control.status();
        Overview own = Overview.of(status, clock.instant());
        Optional<String> history = control.historyProblem();
        if (history.isPresent()) {
            own = own.withAttentionFirst(new Overview.Attention("history", "unavailable", "the history database"
                    + " does not answer " + history.get() + ": reconciles go on; their records are kept (up to 1000)"
                    + " and written when it answers again", ""));
        }
        if (fleet.isEmpty()) {
            return own;
        }
        try {
            return own.withFleet(FleetView.of(fleet.get().members(), status.agent(), clock.instant()), "");
        } catch (StoreException e) {
            return own.withFleet(List.of(), FleetView.problem(e));
        }
    }

    /** A service of a host: its page; 404 for one the agent does not have. */
    private void service(Context ctx, Sessions.Session session) {
        servicePage(ctx, session).ifPresent(page -> ctx.render("dashboard/service.jte", Map.of("viewer",
                Viewer.of(session), "page", page, "state", stateLink(ctx, page))));
    }

    /** The service page's live part alone, as htmx fetches it when the agent's status changes. */
    private void serviceState(Context ctx, Sessions.Session session) {
        servicePage(ctx, session).ifPresent(page -> ctx.render("dashboard/service-state.jte", Map.of("viewer",
                Viewer.of(session), "page", page, "state", stateLink(ctx, page))));
    }

    private static String stateLink(Context ctx, ServicePage page) {
        return page.link() + "/state" + Optional.ofNullable(ctx.queryParam("before")).map(b -> "?before="
                + java.net.URLEncoder.encode(b, java.nio.charset.StandardCharsets.UTF_8)).orElse("");
    }

    /** What the page of the path's service shows; empty when answered already (404, 400). */
    private Optional<ServicePage> servicePage(Context ctx, Sessions.Session session) {
        String host = ctx.pathParam("host");
        String service = ctx.pathParam("service");
        AgentStatus status = control.status();
        Optional<AgentStatus.HostStatus> onHost = status.hosts().stream().filter(h -> h.host().equals(host))
                .findFirst();
        Optional<AgentStatus.ServiceStatus> found = onHost.flatMap(h -> h.services().stream()
                .filter(s -> s.service().equals(service)).findFirst());
        Optional<ServiceReport> report = found.flatMap(s -> control.serviceReport(host, service));
        if (found.isEmpty()) {
            ctx.status(404).render("dashboard/problem.jte", Map.of("viewer", Viewer.of(session), "status", 404,
                    "message", "This agent has no service '" + service + "' on a host '" + host + "'."));
            return Optional.empty();
        }
        HistoryQuery query = new HistoryQuery(Optional.of(host), Optional.of(service), HISTORY_PAGE,
                HistoryQuery.Diffs.LEFT_OUT, Optional.of(status.agent()));
        String before = ctx.queryParam("before");
        Optional<HistoryPage> page = Optional.empty();
        String problem = "";
        try {
            if (before != null) {
                query = query.before(before);
            }
            if (history.isEmpty()) {
                problem = "This agent keeps no history.";
            } else {
                page = Optional.of(history.get().page(query));
            }
        } catch (IllegalArgumentException e) {
            ctx.status(400).render("dashboard/problem.jte", Map.of("viewer", Viewer.of(session), "status", 400,
                    "message", "?before=" + before + ": " + e.getMessage()));
            return Optional.empty();
        } catch (StoreException e) {
            // the page still shows what the agent knows; the agent reconciles on without its history
            LOG.warn("dashboard: cannot read the history of {}/{}: {}", host, service, e.getMessage());
            problem = "The history cannot be read now: " + e.getMessage();
        }
        ServiceReport known = report.orElseGet(() -> new ServiceReport(host, service, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        return Optional.of(ServicePage.of(status, onHost.get(), found.get(), known, readme, page, problem,
                clock.instant()));
    }

    // ---- actions -------------------------------------------------------------------------------------------

    /** Check now: a drift check of the host at once, recorded as asked by the session's token. */
    private void checkNow(Context ctx, Sessions.Session session) {
        String host = ctx.pathParam("host");
        try {
            control.checkNow(host, session.who());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            refuse(ctx, 400, e.getMessage());
            return;
        }
        LOG.info("dashboard: '{}' asked for a drift check of {} now", session.who(), host);
        done(ctx, "Checking " + host + " for drift now (asked by " + session.who() + "): this page shows what it"
                + " finds when it ends.");
    }

    /**
     * Rolls the host back to a commit that was healthy there (form field {@code commit}), in the session's token's
     * name: the host is held there until resumed or a newer commit arrives.
     */
    private void rollback(Context ctx, Sessions.Session session) {
        String host = ctx.pathParam("host");
        String commit = Optional.ofNullable(ctx.formParam("commit")).orElse("");
        AgentStatus.Hold hold;
        try {
            hold = control.rollback(host, commit, session.who());
        } catch (dev.driftless.agent.RollbackRefused | IllegalArgumentException e) {
            refuse(ctx, 400, e.getMessage());
            return;
        } catch (StoreException e) {
            refuse(ctx, 503, "Cannot tell whether " + commit + " was healthy on " + host + ": " + e.getMessage());
            return;
        }
        LOG.info("dashboard: '{}' rolled {} back to {}", session.who(), host, hold.commit());
        done(ctx, "Rolling " + host + " back to " + Overview.shortId(hold.commit()) + " (by " + session.who()
                + "): it stays there until someone resumes it or a newer commit arrives.");
    }

    /** Suspends or resumes automatic applies on a host, or on every host, in the session's token's name. */
    private void suspension(Context ctx, Sessions.Session session, Optional<String> host, boolean suspend) {
        try {
            if (suspend) {
                control.suspend(host, session.who());
            } else {
                control.resume(host, session.who());
            }
        } catch (IllegalArgumentException e) {
            refuse(ctx, 400, e.getMessage());
            return;
        }
        String where = host.orElse("every host");
        done(ctx, suspend ? "Suspended automatic applies on " + where + " (by " + session.who() + ")."
                : "Resumed automatic applies on " + where + " (by " + session.who() + "): the agent catches up now.");
    }

    /**
     * What an action did: to htmx, the line it puts in the page; to a plain form, a redirect back to the page it was
     * sent from (its {@code back} field, a path of this dashboard).
     */
    private void done(Context ctx, String message) {
        if ("true".equals(ctx.header("HX-Request"))) {
            ctx.render("dashboard/done.jte", Map.of("message", message));
            return;
        }
        String back = Optional.ofNullable(ctx.formParam("back")).filter(b -> b.startsWith("/") && !b.startsWith("//")
                && !b.contains("\\")).orElse("/");
        ctx.redirect(back, HttpStatus.SEE_OTHER);
    }

    // ---- live updates --------------------------------------------------------------------------------------

    private void events(Context ctx) throws Exception {
        Optional<Sessions.Session> session = session(ctx);
        if (session.isEmpty()) {
            ctx.status(401).contentType("text/plain; charset=utf-8").result("not signed in\n");
            return;
        }
        if (!Optional.ofNullable(ctx.header("Accept")).orElse("").contains("text/event-stream")) {
            ctx.status(406).contentType("text/plain; charset=utf-8").result("this is a text/event-stream\n");
            return;
        }
        if (!live.admit(session.get())) {
            ctx.header("Retry-After", "30");
            ctx.status(429).contentType("text/plain; charset=utf-8").result("too many live streams are open (at most "
                    + LiveBoard.MAX_PER_SESSION + " per session, " + LiveBoard.MAX_STREAMS + " in all): close a tab\n");
            return;
        }
        new SseHandler(client -> live.attach(session.get(), client)).handle(ctx);
    }

    /** How many live streams are open. */
    int liveStreams() {
        return live.open();
    }

    // ---- assets --------------------------------------------------------------------------------------------

    private void asset(Context ctx) {
        Asset asset = ASSET_FILES.get(ctx.pathParam("file"));
        if (asset == null) {
            ctx.status(404).contentType("text/plain; charset=utf-8").result("no such file\n");
            return;
        }
        byte[] bytes;
        synchronized (assets) {
            bytes = assets.computeIfAbsent(asset.resource(), Dashboard::read);
        }
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "max-age=3600");
        ctx.contentType(asset.type()).result(bytes);
    }

    private static byte[] read(String resource) {
        try (InputStream in = Dashboard.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's file " + resource + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
