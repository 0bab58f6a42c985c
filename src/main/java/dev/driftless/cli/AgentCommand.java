package dev.driftless.cli;

import dev.driftless.agent.Agent;
import dev.driftless.agent.AgentSettings;
import dev.driftless.agent.FleetBeacon;
import dev.driftless.agent.RepositoryNotifications;
import dev.driftless.load.YamlLimitException;
import dev.driftless.load.YamlLimits;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.StoreException;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.dashboard.Dashboard;
import dev.driftless.web.AgentServer;
import dev.driftless.web.ApiTokens;
import dev.driftless.web.HttpLimits;
import dev.driftless.web.Site;
import dev.driftless.web.HistorySource;
import dev.driftless.web.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code driftless agent}: keeps hosts matching a Git repository without anyone running a command. */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Watch a Git repository and keep the hosts matching it: fetch every --interval (and at once on a"
                + " signed webhook), apply each new commit, check for drift every --drift-interval and heal it (a"
                + " service's 'drift: heal', the default) or report it ('drift: alert').",
            "Every reconcile is recorded in the history database; notifications are configured under"
                + " 'notifications:' in driftless.yaml. HTTP on --listen: /hooks/{github,gitea,gitlab,generic},"
                + " /metrics, /healthz, /readyz, /api/status, /api/history, /api/fleet, /api/suspend, /api/resume, and the"
                + " dashboard at /.",
            "Settings may also come from a YAML file (--config FILE, keys as the long option names without '--')."
                + " SIGTERM finishes the reconcile under way, then exits.",
            "Exit codes: 0 = stopped by SIGTERM, or (--once) up to date or applied; 1 = bad settings, or (--once) a"
                + " commit failed or the source is unavailable; 2 = (--once) drift found on a 'drift: alert' service."})
final class AgentCommand implements Callable<Integer> {

    /** The agents this JVM runs, for {@link Training} to stop its own the way SIGTERM would. */
    private static final java.util.Set<Agent> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A YAML file with any of these settings.")
    Path config;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How often to fetch without a webhook (with up to 10%% jitter). Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--drift-interval", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationConverter.class,
            description = "How often to check the hosts for drift. Default: ${DEFAULT-VALUE}.")
    Duration driftInterval;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9090",
            description = "Where the HTTP endpoints listen. Default: ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/driftless/agent",
            description = "The agent's own files: fetched repositories, history.db, api-token."
                    + " Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(names = "--store", paramLabel = "URL",
            description = "History database: jdbc:postgresql://HOST/DB?user=U&password=P. Default: SQLite in --state-dir.")
    String store;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE",
            description = "The shared secret webhooks are signed with. Default: $DRIFTLESS_WEBHOOK_SECRET."
                    + " Without one, webhooks are refused.")
    Path webhookSecretFile;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "Bearer token for /api/suspend and /api/resume; created (mode 0600) if missing."
                    + " Default: --state-dir/api-token.")
    Path apiTokenFile;

    @Option(names = "--git-token-file", paramLabel = "FILE",
            description = "An access token for an https:// repository (GitHub, GitLab, Gitea, Forgejo), sent as the"
                    + " password. Default: $DRIFTLESS_GIT_TOKEN.")
    Path gitTokenFile;

    @Option(names = "--git-identity", paramLabel = "FILE",
            description = "A deploy key for an ssh:// repository. Default: the keys of ~/.ssh.")
    Path gitIdentity;

    @Option(names = "--git-known-hosts", paramLabel = "FILE",
            description = "The known_hosts file the Git server's key must be in. Default: ~/.ssh/known_hosts.")
    Path gitKnownHosts;

    @Option(names = "--unhealthy-after", paramLabel = "DURATION", defaultValue = "30m",
            converter = DurationConverter.class,
            description = "/healthz answers 503 while one reconcile has run longer than this, so a supervisor can"
                    + " restart a stuck agent (the commit it was applying is then marked failed and not tried again)."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration unhealthyAfter;

    @Option(names = "--agent-id", paramLabel = "NAME",
            description = "This agent's name in the history database. Agents sharing one database (--store) keep"
                    + " their applies, failures and suspensions apart by it. Default: this machine's host name.")
    String agentId;

    @Option(names = "--advertise-url", paramLabel = "URL",
            description = "Where other agents' dashboards reach this agent's API (https://web-1:9090), published with"
                    + " its status to the shared history database (--store). Default: none; other agents then show"
                    + " its hosts read-only.")
    String advertiseUrl;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How often the agent publishes its status to the history database when nothing changed"
                    + " (it also does after every change); other agents show it stale after three missed."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration heartbeat;

    @Option(names = "--history-keep", paramLabel = "AGE|COUNT", converter = HistoryKeepConverter.class,
            description = "Prune this agent's history at start and daily: keep what was seen within AGE (90d, 12h)"
                    + " or the newest COUNT reconciles (5000); each host's newest apply is always kept."
                    + " Default: keep everything.")
    dev.driftless.store.HistoryKeep historyKeep;

    @Option(names = "--dry-run", description = "Plan, check and report, never apply or heal: see what the agent"
            + " would do before letting it.")
    boolean dryRun;

    @Option(names = "--start-suspended", description = "Start with automatic applies suspended on every host (as"
            + " 'driftless suspend'), until 'driftless resume'. A suspension also survives a restart.")
    boolean startSuspended;

    /** Whether the agent serves its dashboard. */
    enum DashboardSwitch { on, off }

    @Option(names = "--dashboard", paramLabel = "on|off", defaultValue = "on",
            description = "Serve the dashboard at / on --listen (sign in with a read or control API token; see"
                    + " docs/dashboard.md). Default: ${DEFAULT-VALUE}.")
    DashboardSwitch dashboard;

    @Option(names = "--once", description = "Fetch, apply a new commit and check for drift once, say what it did in"
            + " a line, then exit (for cron; no HTTP). Exit 0 = up to date or applied (drift healed), 1 = the commit"
            + " failed (now or in an earlier run) or the source is unavailable, 2 = drift found on a 'drift: alert'"
            + " service.")
    boolean once;

    @Option(names = "--allow-rewind-to", paramLabel = "COMMIT",
            description = "With --once: apply this commit although it does not descend from the newest commit applied"
                    + " on a host (the branch was force-pushed back, or its history rewritten), which the agent"
                    + " otherwise refuses; its id or at least its first 7 hex digits. The history records it as"
                    + " \"rewind allowed by\" this user. A running agent takes 'driftless allow-rewind' instead.")
    String allowRewindTo;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text: a line per event with its UTC time on stderr; json: one JSON object per line"
            + " (timestamp in epoch milliseconds, level, loggerName, formattedMessage) for log shippers."
            + " Default: ${DEFAULT-VALUE}. DRIFTLESS_LOG_LEVEL=DEBUG shows more.")
    LogSetup.Format logFormat;

    @Mixin
    RepositoryOptions repository;

    @Mixin
    HostOptions where;

    @Mixin
    ApplyOptions timeouts;

    @Mixin
    AgeKeyOptions ageKey;

    @Mixin
    SshOptions ssh;

    @Mixin
    RenderOptions render;

    @Mixin
    ApiOptions api;

    @Mixin
    TrustOptions trust;

    private boolean merged;

    @Override
    public Integer call() throws Exception {
        if (config != null && !merged) {
            return withConfigFile();
        }
        if (!spec.commandLine().getParseResult().hasMatchedOption("--repo")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--repo=URL'"
                    + " (on the command line or in --config)");
        }
        if (interval.isZero() || interval.isNegative() || driftInterval.isZero() || driftInterval.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval and --drift-interval must be positive");
        }
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--heartbeat must be positive");
        }
        if (allowRewindTo != null && !once) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--allow-rewind-to goes with --once; a running"
                    + " agent is asked with 'driftless allow-rewind --to " + allowRewindTo + "'");
        }
        Optional<String> advertised = advertisedUrl();
        // read and checked before anything starts: a trust file the agent cannot use stops it at once
        Optional<dev.driftless.trust.TrustSettings> trusted = trust.settings(spec.commandLine());
        if (!once || logFormat == LogSetup.Format.json) {
            LogSetup.forAgent(logFormat);
        }
        Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Optional<byte[]> webhookSecret = webhookSecret();
        String token = apiToken();
        AgeKeyring keys = ageKey.keyring();
        AgentSettings settings = new AgentSettings(repository.repo, Optional.ofNullable(repository.ref),
                Optional.ofNullable(repository.path), where.hosts, interval, driftInterval, stateDir, where.root(),
                ssh.settings(), keys, where.parallel, timeouts.lockTimeout, timeouts.handlerTimeout, new dev.driftless.source.RepoSource.GitAuth(gitToken(), Optional.ofNullable(gitIdentity),
                        Optional.ofNullable(gitKnownHosts)), unhealthyAfter, render.limits(),
                ownFiles(keys), agentId != null ? agentId : AgentSettings.defaultName(), dryRun, startSuspended,
                repository.cache != null ? repository.cache : stateDir.resolve("cache"), where.asHost());
        HistoryStore history;
        try {
            history = JdbcHistoryStore.open(store != null ? store : JdbcHistoryStore.defaultUrl(stateDir), settings.agent());
        } catch (StoreException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        }
        AgentMetrics metrics = new AgentMetrics();
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        try (RepositoryNotifications notifications = new RepositoryNotifications(settings.agent(), Clock.systemUTC(), history);
             HistoryStore closing = history) {
            Agent agent = new Agent(settings, history, metrics, notifications, Clock.systemUTC());
            Optional.ofNullable(historyKeep).ifPresent(agent::keepHistory);
            agent.onCheckout(notifications::update);
            trusted.ifPresent(agent::verifySignatures);
            if (once) {
                if (allowRewindTo != null) {
                    try {
                        agent.allowRewind(allowRewindTo, "user " + System.getProperty("user.name")
                                + " (--allow-rewind-to)");
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        spec.commandLine().getErr().println("Error: --allow-rewind-to: " + e.getMessage());
                        return 1;
                    }
                }
                Agent.Once result = agent.once();
                spec.commandLine().getErr().println("driftless agent --once: " + result.summary());
                return result.exitCode();
            }
            Thread hook = new Thread(() -> {
                agent.stop(); // the reconcile under way finishes, then run() returns and everything is closed
                try {
                    finished.await(5, java.util.concurrent.TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "driftless-shutdown");
            ApiTokens tokens = api.tokens(token);
            Optional<Site> site = dashboard == DashboardSwitch.on ? Optional.of(Dashboard.of(agent, tokens, history))
                    : Optional.empty();
            try (FleetBeacon beacon = FleetBeacon.start(history, () -> Json.write(agent.status()), advertised, heartbeat);
                 AgentServer server = AgentServer.start(api.listeners(listen), agent, metrics, HistorySource.of(history),
                    webhookSecret, tokens, HttpLimits.DEFAULTS, site)) {
                agent.onChange(beacon::changed);
                Runtime.getRuntime().addShutdownHook(hook);
                RUNNING.add(agent);
                spec.commandLine().getErr().println("driftless agent: watching " + repository.repo + " ("
                        + Optional.ofNullable(repository.ref).orElse("HEAD") + ")"
                        + (trusted.isPresent() ? ", applying only commits signed by a trusted key" : "")
                        + where.asHost().map(h -> " as host " + h + ", on this machine").orElse("")
                        + ", listening on " + listen.replaceAll(":\\d+$", "") + ":" + server.port());
                spec.commandLine().getErr().flush();
                try {
                    agent.run();
                } finally {
                    RUNNING.remove(agent);
                }
            }
        } finally {
            spec.commandLine().getErr().println("driftless agent: stopped");
            spec.commandLine().getErr().flush();
            // after SIGTERM the JVM is already shutting down: its hook waits for this, then the JVM exits
            finished.countDown();
        }
        return 0;
    }

    /** Asks every agent this JVM runs to stop, as SIGTERM does: each finishes the reconcile under way. */
    static void stopRunning() {
        RUNNING.forEach(Agent::stop);
    }

    /**
     * Reads the YAML file of --config (keys: long option names without '--'), puts its settings before
     * the command line's (which win) and runs again.
     */
    private int withConfigFile() throws Exception {
        Optional<Node> loaded;
        try {
            YamlLimits limits = YamlLimits.DEFAULT;
            loaded = limits.compose(Files.readString(config), limits.settings(config.toString()).build());
        } catch (YamlLimitException e) {
            // the message starts with the file, line and key
            throw new CommandLine.ParameterException(spec.commandLine(), "--config " + e.getMessage());
        } catch (IOException | org.snakeyaml.engine.v2.exceptions.YamlEngineException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config " + config + ": " + e.getMessage());
        }
        if (loaded.isEmpty() || !(loaded.get() instanceof MappingNode map)) {
            throw new CommandLine.ParameterException(spec.commandLine(), config + ": an agent config file is a YAML"
                    + " mapping of option names (without '--') to values");
        }
        List<String> args = new ArrayList<>();
        for (NodeTuple entry : map.getValue()) {
            String where = config + ":" + (entry.getKeyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0));
            String key = entry.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
            String name = "--" + key;
            if (spec.findOption(name) == null || name.equals("--config")) {
                throw new CommandLine.ParameterException(spec.commandLine(), where + ": '" + key
                        + "' is not a setting of driftless agent (see driftless agent --help)");
            }
            Node value = entry.getValueNode();
            if (value instanceof SequenceNode list) {
                for (Node item : list.getValue()) {
                    args.add(name + "=" + scalar(item, where, key));
                }
            } else if (spec.findOption(name).type() == boolean.class) {
                String flag = scalar(value, where, key);
                if (!flag.equals("true") && !flag.equals("false")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), where + ": '" + key
                            + "' is true or false, not '" + flag + "'");
                }
                if (flag.equals("true")) {
                    args.add(name);
                }
            } else {
                args.add(name + "=" + scalar(value, where, key));
            }
        }
        // the command line as given, from the word "agent" on (top-level options come before it)
        List<String> given = spec.commandLine().getParseResult().originalArgs();
        args.addAll(given.subList(given.indexOf(spec.name()) + 1, given.size()));
        AgentCommand again = new AgentCommand();
        CommandLine line = new CommandLine(again).setOverwrittenOptionsAllowed(true);
        line.getCommandSpec().exitCodeOnInvalidInput(1);
        line.setOut(spec.commandLine().getOut());
        line.setErr(spec.commandLine().getErr());
        line.parseArgs(args.toArray(String[]::new));
        again.merged = true;
        return again.call();
    }

    private String scalar(Node node, String where, String key) {
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue();
        }
        throw new CommandLine.ParameterException(spec.commandLine(), where + ": '" + key
                + "' takes a value or a list of values, not a mapping");
    }

    /** What the agent itself reads and writes on this machine: no local host of the repository may manage it. */
    private List<Path> ownFiles(AgeKeyring keys) {
        List<Path> files = new ArrayList<>(List.of(stateDir));
        // whoever could write the trust files through the repository could sign for the machines
        files.addAll(trust.files());
        for (Path file : new Path[] {config, repository.cache, apiTokenFile, webhookSecretFile, gitTokenFile, gitIdentity, gitKnownHosts}) {
            if (file != null) {
                files.add(file);
            }
        }
        files.addAll(keys.files());
        files.addAll(api.files());
        files.addAll(ssh.settings().files());
        return files;
    }

    /** --advertise-url, checked: an http or https URL with a host, which other agents' dashboards link to. */
    private Optional<String> advertisedUrl() {
        if (advertiseUrl == null) {
            return Optional.empty();
        }
        String url = advertiseUrl.strip();
        try {
            URI uri = new URI(url);
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null && uri.getUserInfo() == null) {
                return Optional.of(url.replaceAll("/+$", ""));
            }
        } catch (URISyntaxException e) {
            // said below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--advertise-url '" + advertiseUrl
                + "' is not an http:// or https:// URL with a host and no user or password, such as"
                + " https://web-1:9090");
    }

    private Optional<byte[]> webhookSecret() throws IOException {
        if (webhookSecretFile != null) {
            byte[] secret = Files.readString(webhookSecretFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
            if (secret.length == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--webhook-secret-file "
                        + webhookSecretFile + " is empty");
            }
            return Optional.of(secret);
        }
        String env = System.getenv("DRIFTLESS_WEBHOOK_SECRET");
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(env.strip().getBytes(StandardCharsets.UTF_8));
    }

    private Optional<String> gitToken() throws IOException {
        if (gitTokenFile != null) {
            return Optional.of(Files.readString(gitTokenFile, StandardCharsets.UTF_8).strip()).filter(t -> !t.isEmpty());
        }
        return Optional.ofNullable(System.getenv("DRIFTLESS_GIT_TOKEN")).map(String::strip).filter(t -> !t.isEmpty());
    }

    private String apiToken() throws IOException {
        Path file = apiTokenFile != null ? apiTokenFile : stateDir.resolve("api-token");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), token + "\n");
        return token;
    }
}
