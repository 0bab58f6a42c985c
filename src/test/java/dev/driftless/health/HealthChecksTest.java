package dev.driftless.health;

import static dev.driftless.health.Checks.command;
import static dev.driftless.health.Checks.http;
import static dev.driftless.health.Checks.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.health.ScriptedServer.Reply;
import dev.driftless.host.Host;
import dev.driftless.host.LocalHost;
import dev.driftless.model.HealthCheck;
import dev.driftless.report.HealthState;
import dev.driftless.testing.TestClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks on the local host against real servers on 127.0.0.1 and real commands. The cadence runs on a
 * test clock that each pause moves, so a 60 s timeout costs no real waiting; one test keeps the real cadence.
 */
class HealthChecksTest {

    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    private static final UnaryOperator<String> NO_SECRETS = UnaryOperator.identity();

    @TempDir
    Path tmp;

    TestClock clock;
    HealthChecks checks;
    final Host host = new LocalHost("box", Optional.empty());

    @BeforeEach
    void fakeTime() throws NoSuchAlgorithmException {
        clock = new TestClock(START);
        checks = new HealthChecks(clock, clock::advance, SSLContext.getDefault());
    }

    private CheckResult afterApply(HealthCheck check) {
        return afterApply(host, check);
    }

    private CheckResult afterApply(Host on, HealthCheck check) {
        return checks.afterApply(on, Map.of("app", List.of(check)), NO_SECRETS).get("app").checks().get(0);
    }

    @Test
    void twoFailuresThenPassesPassOnlyAfterThreePassesInARow() throws IOException {
        try (ScriptedServer server = ScriptedServer.inOrder(503, 503, 200)) {
            CheckResult result = afterApply(http(server.url("/healthz"), 3, Duration.ofSeconds(60)));

            assertThat(result.passed()).as(result.detail()).isTrue();
            assertThat(result.samples()).isEqualTo(5);
            assertThat(server.requests()).isEqualTo(5);
            assertThat(result.detail()).isEqualTo("HTTP 200, 3 times in a row");
            assertThat(clock.instant()).as("a sample a second").isEqualTo(START.plusSeconds(4));
        }
    }

    @Test
    void aServiceThatFlapsNeverPassesAndTheDetailSaysHowCloseItCame() throws IOException {
        try (ScriptedServer server = ScriptedServer.start(n -> Reply.status(n % 2 == 0 ? 200 : 503))) {
            CheckResult result = afterApply(http(server.url("/"), 3, Duration.ofSeconds(10)));

            assertThat(result.passed()).isFalse();
            assertThat(result.samples()).as("one sample a second for 10 s").isEqualTo(10);
            assertThat(result.detail()).isEqualTo("HTTP 503; at best passed 1 of 3 times in a row before the 10s timeout");
        }
    }

    @Test
    void aFailureAfterPassesStartsTheCountAgain() throws IOException {
        try (ScriptedServer server = ScriptedServer.start(n -> Reply.status(n == 2 ? 500 : 200))) {
            CheckResult result = afterApply(http(server.url("/"), 3, Duration.ofSeconds(60)));

            assertThat(result.passed()).isTrue();
            assertThat(result.samples()).as("200 200 500 200 200 200").isEqualTo(6);
        }
    }

    @Test
    void timingOutWhilePassingSaysHowManyPassesInARowThereWere() throws IOException {
        try (ScriptedServer server = ScriptedServer.inOrder(503, 503, 503, 200)) {
            CheckResult result = afterApply(http(server.url("/"), 3, Duration.ofSeconds(5)));

            assertThat(result.passed()).isFalse();
            assertThat(result.detail()).isEqualTo("passed 2 of 3 times in a row before the 5s timeout");
        }
    }

    @Test
    void statusMustBeExactlyTheOneGivenAndOtherwiseAny2xxPasses() throws IOException {
        try (ScriptedServer created = ScriptedServer.inOrder(201); ScriptedServer teapot = ScriptedServer.inOrder(418)) {
            assertThat(afterApply(http(created.url("/"), 1, Duration.ofSeconds(2))).passed()).isTrue();
            assertThat(afterApply(Checks.status(created.url("/"), 201)).passed()).isTrue();
            assertThat(afterApply(Checks.status(created.url("/"), 200)).detail()).isEqualTo("HTTP 201 (expected 200)");
            assertThat(afterApply(Checks.status(teapot.url("/"), 418)).passed()).isTrue();
            assertThat(afterApply(http(teapot.url("/"), 1, Duration.ofSeconds(2))).detail()).isEqualTo("HTTP 418");
        }
    }

    @Test
    void redirectsAreNotFollowed() throws IOException {
        try (ScriptedServer server = ScriptedServer.inOrder(302, 200)) {
            CheckResult result = afterApply(http(server.url("/old"), 1, Duration.ofSeconds(1)));

            assertThat(result.passed()).isFalse();
            assertThat(result.detail()).startsWith("HTTP 302 (a redirect");
            assertThat(server.requests()).as("nothing asked for the place it points at").isEqualTo(1);
        }
    }

    @Test
    void containsLooksIntoTheBodyWhetherSentWithALengthOrInChunks() throws IOException {
        try (ScriptedServer sized = ScriptedServer.start(n -> Reply.body("{\"status\": \"ok\"}"));
             ScriptedServer chunked = ScriptedServer.start(n -> Reply.chunked("db: up\nqueue: ok\n"))) {
            for (ScriptedServer server : List.of(sized, chunked)) {
                assertThat(afterApply(Checks.contains(server.url("/"), "ok")).passed()).isTrue();
                assertThat(afterApply(Checks.contains(server.url("/"), "ready")).detail())
                        .isEqualTo("body does not contain 'ready'");
            }
        }
    }

    @Test
    void onlyTheFirst64KiBOfTheBodyAreRead() throws IOException {
        String big = "x".repeat(HttpProbe.MAX_BODY) + "ok";
        try (ScriptedServer sized = ScriptedServer.start(n -> Reply.body(big));
             ScriptedServer chunked = ScriptedServer.start(n -> Reply.chunked(big))) {
            for (ScriptedServer server : List.of(sized, chunked)) {
                assertThat(afterApply(Checks.contains(server.url("/"), "ok")).detail())
                        .isEqualTo("the first 64 KiB of the body do not contain 'ok'");
                assertThat(afterApply(Checks.contains(server.url("/"), "xxx")).passed()).isTrue();
            }
        }
    }

    @Test
    void theHostHeaderIsTheUrlsOwn() throws IOException {
        try (ScriptedServer server = ScriptedServer.inOrder(200)) {
            afterApply(http(server.url("/healthz?full=1"), 1, Duration.ofSeconds(1)));

            assertThat(server.hostHeaders()).containsExactly("127.0.0.1:" + server.port());
        }
    }

    @Test
    void tcpPassesWhenAConnectionOpensAndSaysRefusedWhenNothingListens() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CheckResult open = afterApply(tcp(listening.getLocalPort(), 2, Duration.ofSeconds(5)));
            CheckResult closed = afterApply(tcp(closedPort(), 2, Duration.ofSeconds(3)));

            assertThat(open.passed()).isTrue();
            assertThat(open.detail()).isEqualTo("connection opened, 2 times in a row");
            assertThat(closed.passed()).isFalse();
            assertThat(closed.detail()).isEqualTo("connection refused");
            assertThat(closed.samples()).as("one sample a second for 3 s").isEqualTo(3);
        }
    }

    @Test
    void anHttpCheckOfAPortWhereNothingListensSaysConnectionRefused() throws IOException {
        CheckResult result = afterApply(http("http://127.0.0.1:" + closedPort() + "/", 1, Duration.ofSeconds(2)));

        assertThat(result.detail()).isEqualTo("connection refused");
    }

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aCommandPassesOnExitZeroAndOtherwiseSaysItsExitAndLastLine() {
        CheckResult passes = afterApply(command("test -d /", 2, Duration.ofSeconds(5)));
        CheckResult fails = afterApply(command("echo starting; echo 'cannot reach db:5432' >&2; echo; exit 3", 1,
                Duration.ofSeconds(2)));

        assertThat(passes.passed()).isTrue();
        assertThat(passes.detail()).isEqualTo("exit 0, 2 times in a row");
        assertThat(fails.passed()).isFalse();
        assertThat(fails.detail()).isEqualTo("exit 3: cannot reach db:5432");
    }

    @Test
    void whatACommandPrintsIsMaskedThenCutToOneShortLine() {
        HealthCheck check = command("printf 'token=hunter2 %s\\n' \"$(printf 'y%.0s' $(seq 1 500))\"; exit 1", 1,
                Duration.ofSeconds(2));
        CheckResult result = checks.afterApply(host, Map.of("app", List.of(check)),
                text -> text.replace("hunter2", "********")).get("app").checks().get(0);

        assertThat(result.detail()).startsWith("exit 1: token=******** yyy").doesNotContain("hunter2")
                .doesNotContain("\n").hasSizeLessThanOrEqualTo(CheckResult.MAX_DETAIL);
    }

    @Test
    void unitsAreNotCheckedUnderARoot() {
        Host rooted = new LocalHost("box", Optional.of(tmp));

        ServiceHealth health = checks.afterApply(rooted, Map.of("app", List.of(Checks.unit("app.service"))), m -> m)
                .get("app");

        assertThat(health.state()).as("an image being built runs nothing to check").isEqualTo(HealthState.UNKNOWN);
        assertThat(health.checks()).isEmpty();
        assertThat(clock.instant()).as("nothing to wait for").isEqualTo(START);
    }

    @Test
    void aUnitCheckWithoutSystemdSaysWhatSystemctlSaid() {
        CheckResult result = afterApply(Checks.unit("app.service"));

        // this machine has no systemd running: systemctl says so, and the detail passes that on
        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).matches("unit is [a-z-]+|systemctl is-active failed: exit \\d+.*");
    }

    @Test
    void aServiceIsHealthyWhenAllItsChecksPassDegradedWhenOneFailsAndUnknownWithoutChecks() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Map<String, List<HealthCheck>> byService = new LinkedHashMap<>();
            byService.put("web", List.of(tcp(listening.getLocalPort(), 1, Duration.ofSeconds(2)),
                    command("true", 1, Duration.ofSeconds(2))));
            byService.put("worker", List.of(command("true", 1, Duration.ofSeconds(2)),
                    command("exit 1", 1, Duration.ofSeconds(2))));
            byService.put("static", List.of());

            Map<String, ServiceHealth> health = checks.afterApply(host, byService, NO_SECRETS);

            assertThat(health.keySet()).containsExactly("web", "worker", "static");
            assertThat(health.get("web").state()).isEqualTo(HealthState.HEALTHY);
            assertThat(health.get("worker").state()).isEqualTo(HealthState.DEGRADED);
            assertThat(health.get("worker").failed()).extracting(CheckResult::detail).containsExactly("exit 1");
            assertThat(health.get("static").state()).isEqualTo(HealthState.UNKNOWN);
        }
    }

    @Test
    void checksOfSeveralServicesRunAtOnce() throws IOException {
        // each answer waits until both services have asked: checked one after the other, neither would pass
        CountDownLatch both = new CountDownLatch(2);
        try (ScriptedServer server = ScriptedServer.start(n -> {
            both.countDown();
            return Reply.status(both.await(4, TimeUnit.SECONDS) ? 200 : 503);
        })) {
            Map<String, ServiceHealth> health = checks.afterApply(host, Map.of(
                    "api", List.of(http(server.url("/api"), 1, Duration.ofSeconds(3))),
                    "web", List.of(http(server.url("/web"), 1, Duration.ofSeconds(3)))), NO_SECRETS);

            assertThat(health.values()).extracting(ServiceHealth::state).containsOnly(HealthState.HEALTHY);
        }
    }

    @Test
    void sampleTakesOneSampleOfAHealthyCheck() throws IOException {
        try (ScriptedServer server = ScriptedServer.inOrder(200)) {
            CheckResult result = checks.sample(host, Map.of("app", List.of(http(server.url("/"), 3,
                    Duration.ofSeconds(60)))), NO_SECRETS).get("app").checks().get(0);

            assertThat(result.passed()).isTrue();
            assertThat(result.samples()).isEqualTo(1);
            assertThat(result.detail()).isEqualTo("HTTP 200");
        }
    }

    @Test
    void sampleGivesACheckWhoseSampleFailsTheFullSemantics() throws IOException {
        try (ScriptedServer restarting = ScriptedServer.inOrder(503, 200);
             ScriptedServer down = ScriptedServer.inOrder(503)) {
            Map<String, ServiceHealth> health = new LinkedHashMap<>();
            health.putAll(checks.sample(host, Map.of("restarting", List.of(http(restarting.url("/"), 3,
                    Duration.ofSeconds(60)))), NO_SECRETS));
            health.putAll(checks.sample(host, Map.of("down", List.of(http(down.url("/"), 3,
                    Duration.ofSeconds(4)))), NO_SECRETS));

            assertThat(health.get("restarting").checks().get(0)).extracting(CheckResult::passed, CheckResult::samples)
                    .containsExactly(true, 4);
            assertThat(health.get("down").checks().get(0)).extracting(CheckResult::passed, CheckResult::samples,
                    CheckResult::detail).containsExactly(false, 4, "HTTP 503");
        }
    }

    @Test
    void inRealTimeSamplesComeASecondApart() throws IOException {
        HealthChecks realTime = HealthChecks.inRealTime();
        try (ScriptedServer server = ScriptedServer.inOrder(200)) {
            long start = System.nanoTime();
            CheckResult result = realTime.afterApply(host, Map.of("app", List.of(http(server.url("/"), 2,
                    Duration.ofSeconds(5)))), NO_SECRETS).get("app").checks().get(0);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(result.passed()).isTrue();
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(990)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aSampleThatHangsIsCutAtItsLimitAndNeverPastTheTimeout() {
        HealthChecks realClock = new HealthChecks(Clock.systemUTC(), clock::advance, sslDefault());
        long start = System.nanoTime();
        CheckResult result = realClock.afterApply(host, Map.of("app", List.of(command("sleep 30", 1,
                Duration.ofSeconds(1)))), NO_SECRETS).get("app").checks().get(0);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).isEqualTo("no exit within 1s");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    private static SSLContext sslDefault() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
