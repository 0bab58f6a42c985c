package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.SshSettings;
import dev.driftless.model.Address;
import dev.driftless.model.Host;
import dev.driftless.model.Location;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.StackEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch of an SSH host's engine (a real OpenSSH on 127.0.0.1 whose sessions' docker talks to the test's own
 * dockerd): the events of a stack's containers come over the host's connection as requests for a check, and a lost
 * connection is followed again once the host answers.
 */
class EngineWatchTest {

    private static final long DEADLINE_SECONDS = 30;

    @TempDir
    Path tmp;

    StackEngine stacks;
    DockerEngine engine;
    SshServer sshd;
    Host host;
    final BlockingQueue<String> asked = new LinkedBlockingQueue<>();
    EngineWatch watch;

    @BeforeEach
    void sshHostWithAnEngine() throws Exception {
        stacks = StackEngine.start(tmp);
        engine = stacks.engine();
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        sshd = SshServer.start(tmp.resolve("sshd"), tmp.resolve("user_key.pub"), engine.env());
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        host = new Host("web-1", new Address.Ssh("root", "127.0.0.1", sshd.port()), List.of(), Map.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Location.of("driftless.yaml"));
        watch = new EngineWatch(new SshSettings(Optional.of(userKey), knownHosts, false, Duration.ofSeconds(5),
                Optional.empty()), Duration.ofHours(1), (name, why) -> asked.add(name + ": " + why));
    }

    @AfterEach
    void stop() throws Exception {
        watch.close();
        sshd.close();
        stacks.close();
    }

    /** The next request that mentions {@code text}, within the deadline (others before it are passed over). */
    private String awaitAsked(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            String request = asked.poll(left, TimeUnit.NANOSECONDS);
            if (request != null && request.contains(text)) {
                return request;
            }
        }
        throw new AssertionError("no request mentioning '" + text + "' within " + DEADLINE_SECONDS + " s");
    }

    @Test
    void aStackContainerKilledOnTheHostAsksForACheckOverItsConnection() throws Exception {
        watch.follow(List.of(host));
        assertThat(awaitAsked("followed from now on")).startsWith("web-1: ");
        stacks.run("loose");
        stacks.run("app_web_1", "dev.driftless.stack=app", "com.docker.compose.service=web");

        engine.docker("kill", "loose").orThrow();
        engine.docker("kill", "app_web_1").orThrow();

        assertThat(awaitAsked("die")).isEqualTo("web-1: container app_web_1 of stack app: die");
        assertThat(List.copyOf(asked)).as("nothing of the container of no stack").noneMatch(r -> r.contains("loose"));
    }

    @Test
    void aLostConnectionIsFollowedAgainOnceTheHostAnswers() throws Exception {
        watch.follow(List.of(host));
        awaitAsked("followed from now on");

        // sshd stops listening and its sessions end: the stream ends and the next connections are refused
        long listener = Long.parseLong(Files.readString(sshd.pidFile()).strip());
        List<ProcessHandle> sessions = ProcessHandle.of(listener).map(h -> h.children().toList()).orElseThrow();
        assertThat(sessions).as("the watch's session").isNotEmpty();
        sshd.stop();
        sessions.forEach(ProcessHandle::destroy);
        sshd.restart();

        assertThat(awaitAsked("followed from now on")).startsWith("web-1: ");
        stacks.run("app_db_1", "dev.driftless.stack=app", "com.docker.compose.service=db");
        engine.docker("stop", "-t", "0", "app_db_1").orThrow();
        assertThat(awaitAsked("app_db_1")).startsWith("web-1: container app_db_1 of stack app: ");
    }

    @Test
    void aHostNoLongerGivenIsNoLongerFollowed() throws Exception {
        watch.follow(List.of(host));
        awaitAsked("followed from now on");
        stacks.run("app_web_1", "dev.driftless.stack=app", "com.docker.compose.service=web");

        watch.follow(List.of());
        engine.docker("kill", "app_web_1").orThrow();

        assertThat(watch.followed()).isEmpty();
        // the engine has told of the kill once its own client saw it: by then a follower would have passed it on
        engine.docker("wait", "app_web_1").orThrow();
        assertThat(asked.poll(2, TimeUnit.SECONDS)).as("no request").isNull();
    }
}
