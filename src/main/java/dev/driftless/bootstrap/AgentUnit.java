package dev.driftless.bootstrap;

import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's systemd unit on this machine, driftless-agent.service from the package, through systemctl: whether it
 * is installed, and enabling and starting it (or restarting it when its settings changed).
 */
final class AgentUnit {

    static final String NAME = "driftless-agent.service";
    private static final Duration SYSTEMCTL_TIMEOUT = Duration.ofMinutes(2);
    /** How long a started agent may take to answer: its JVM, the history database's migrations, the listener. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(250);

    private final Host machine;
    private final String health;

    /** The unit of an agent that listens on {@code listen} (HOST:PORT, as its --listen). */
    AgentUnit(Host machine, String listen) {
        this.machine = machine;
        int colon = listen.lastIndexOf(':');
        String host = listen.substring(0, colon);
        // an agent listening on every address answers on loopback too
        boolean any = host.isEmpty() || host.equals("0.0.0.0") || host.equals("[::]");
        this.health = "http://" + (any ? "127.0.0.1" : host) + ":" + listen.substring(colon + 1) + "/healthz";
    }

    /** Why the unit cannot be used, when it cannot: it is not installed. */
    Optional<String> missing() {
        String state = systemctl("show", "--property=LoadState", "--value", NAME).output().strip();
        if (state.equals("loaded")) {
            return Optional.empty();
        }
        return Optional.of(NAME + " is not installed here (systemd says its LoadState is '" + state + "'):"
                + " driftless was not installed from its package. Install the .deb (apt-get install"
                + " ./driftless_VERSION_amd64.deb) or the tarball (its install.sh), then run bootstrap again;"
                + " see docs/install.md");
    }

    /** Enables the unit at boot, unless it is. */
    Step enable() {
        if (systemctl("is-enabled", "--quiet", NAME).succeeded()) {
            return new Step(Step.Action.UNCHANGED, NAME, "enabled");
        }
        orThrow(systemctl("enable", "--quiet", NAME), "enable");
        return new Step(Step.Action.ENABLED, NAME);
    }

    /**
     * Starts the agent, or restarts it when {@code settingsChanged} (it reads its settings at start only), then
     * waits until it answers on its HTTP port ({@code /healthz}), or systemd says it failed.
     */
    Step start(boolean settingsChanged) {
        boolean active = systemctl("is-active", "--quiet", NAME).succeeded();
        if (active && !settingsChanged) {
            return new Step(Step.Action.UNCHANGED, NAME, "running");
        }
        orThrow(systemctl(active ? "restart" : "start", NAME), active ? "restart" : "start");
        awaitHealthy();
        return active ? new Step(Step.Action.RESTARTED, NAME, "its settings changed") : new Step(Step.Action.STARTED, NAME);
    }

    /**
     * Polls until the agent answers {@code /healthz} with 200 on its --listen address,
     * failing as soon as systemd says it ended (bad settings end it within a second or two of its start).
     */
    private void awaitHealthy() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = systemctl("show", "--property=ActiveState", "--property=SubState", "--value", NAME).output()
                    .strip().replace('\n', '/');
            if (!state.startsWith("active/") && !state.startsWith("activating/start")) {
                break;
            }
            if (state.equals("active/running") && answersHealthy()) {
                return;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BootstrapException("interrupted while waiting for " + NAME + " to start");
            }
        }
        throw new BootstrapException(NAME + " did not come up within " + START_TIMEOUT.toSeconds() + " s (systemd"
                + " says " + state + "): 'journalctl -u " + NAME + "' says why; its settings are " + AgentFiles.CONFIG);
    }

    private boolean answersHealthy() {
        try {
            java.net.HttpURLConnection http = (java.net.HttpURLConnection) java.net.URI.create(health).toURL()
                    .openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(2000);
            try {
                return http.getResponseCode() == 200;
            } finally {
                http.disconnect();
            }
        } catch (java.io.IOException e) {
            return false; // not listening yet
        }
    }

    private CommandResult systemctl(String... args) {
        return machine.run("systemctl " + String.join(" ", args), Map.of("SYSTEMD_COLORS", "0"), SYSTEMCTL_TIMEOUT);
    }

    private static void orThrow(CommandResult result, String verb) {
        if (!result.succeeded()) {
            throw new BootstrapException("systemctl " + verb + " " + NAME + " failed"
                    + (result.timedOut() ? " (no answer within " + SYSTEMCTL_TIMEOUT.toMinutes() + " minutes)" : "")
                    + ": " + result.output().strip());
        }
    }
}
