package dev.driftless.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.driftless.model.Destination;
import dev.driftless.model.Location;
import dev.driftless.model.Notification;
import dev.driftless.model.NotificationEvent;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.notify.Event.Kind;
import dev.driftless.testing.TestClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Deduplication, repetition and resolution; delivery in the background with bounded retries and timeouts. */
@Timeout(60)
class NotificationsTest {

    static final String C1 = "1111111111111111111111111111111111111111";
    static final String C2 = "2222222222222222222222222222222222222222";
    static final Duration DRAIN = Duration.ofSeconds(20);

    static WireMockServer server;

    final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    final List<Notifications> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        server.resetAll();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Notifications::close);
    }


    /** Keeps what it was sent. */
    static final class Recorder implements Notifier {
        final List<Event> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch first = new CountDownLatch(1);
        private final String name;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void send(Event event) {
            events.add(event);
            first.countDown();
        }

        List<String> seen() {
            synchronized (events) {
                return events.stream().map(e -> e.kind().id() + " " + Messages.where(e) + " " + e.commit()).toList();
            }
        }
    }

    /** Keeps what it was sent, as a destination with incidents (PagerDuty) is sent. */
    static final class IncidentRecorder implements IncidentNotifier {
        final Recorder inner = new Recorder("pager");

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void send(Event event) {
            inner.send(event);
        }
    }

    /** Holds every send until opened, then passes it on and keeps the failures. */
    static final class Gate implements Notifier {
        final CountDownLatch open = new CountDownLatch(1);
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final Notifier inner;

        Gate(Notifier inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void send(Event event) throws NotifyException {
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotifyException(name() + ": interrupted");
            }
            try {
                inner.send(event);
            } catch (NotifyException e) {
                failures.add(e.getMessage());
                throw e;
            }
        }
    }

    Notifications notifications(List<NotificationRule> rules) {
        Notifications n = new Notifications(rules, clock, 3, Duration.ofMillis(20));
        opened.add(n);
        return n;
    }

    static NotificationRule rule(Notifier notifier, Set<Kind> events, Duration repeat) {
        return new NotificationRule(notifier.name(), notifier,
                events == null ? null : events.stream().map(Kind::event).collect(Collectors.toSet()), repeat);
    }

    Event event(Kind kind, String host, String service, String commit) {
        return new Event(kind, host, service, commit, "~ /etc/x.conf", clock.instant());
    }

    void publishAndDrain(Notifications n, Event event) {
        n.publish(event);
        assertThat(n.drain(DRAIN)).isTrue();
    }

    @Test
    void aDestinationWithIncidentsIsSentOneResolutionPerIncidentItOpenedAddressedLikeIt() {
        IncidentRecorder pager = new IncidentRecorder();
        Notifications n = notifications(List.of(rule(pager, null, Duration.ofHours(1))));

        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "", "", C2));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "php", C2));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "php", C2));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C2));

        assertThat(pager.inner.seen()).as("no incident, nothing to resolve; each incident resolved once, as opened")
                .containsExactly("failed  " + C2, "failed web-1/php " + C2, "applied web-1/php " + C2, "applied  " + C2);
    }

    @Test
    void whatWasSentIsTakenOverByTheNextNotificationsAsAfterARestart() {
        Recorder out = new Recorder("r");
        Notifications before = notifications(List.of(rule(out, null, Duration.ofHours(1))));
        publishAndDrain(before, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        List<Notifications.Open> kept = before.open();

        Recorder again = new Recorder("r");
        Notifications after = notifications(List.of(rule(again, null, Duration.ofHours(1))));
        after.continueFrom(kept);
        clock.advance(Duration.ofMinutes(30));
        publishAndDrain(after, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        publishAndDrain(after, event(Kind.DRIFT_HEALED, "web-1", "nginx", C1));

        assertThat(kept).containsExactly(new Notifications.Open(NotificationEvent.DRIFT_FOUND, "web-1", "nginx",
                Map.of("r", new Notifications.Sent(C1, "2026-03-01T10:00:00Z"))));
        assertThat(again.seen()).containsExactly("drift-healed web-1/nginx " + C1);
        assertThat(after.open()).isEmpty();
    }

    @Test
    void anOngoingProblemIsSentOnceThenEveryRepeatThenItsResolutionOnce() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, Duration.ofHours(1))));

        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(5));
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(54));
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        assertThat(out.seen()).containsExactly("drift-found web-1/nginx " + C1);

        clock.advance(Duration.ofMinutes(1)); // an hour after it was sent
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(30));
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        assertThat(out.seen()).hasSize(2);

        publishAndDrain(n, event(Kind.DRIFT_HEALED, "web-1", "nginx", C1));
        assertThat(out.seen()).containsExactly(
                "drift-found web-1/nginx " + C1, "drift-found web-1/nginx " + C1, "drift-healed web-1/nginx " + C1);

        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        assertThat(out.seen()).hasSize(4).last().isEqualTo("drift-found web-1/nginx " + C1);
    }

    @Test
    void eachHostAndServiceIsItsOwnProblem() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, null)));

        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "web-2", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "tls", C1));
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "web-2", "nginx", C1));

        assertThat(out.seen()).containsExactly("failed web-1/nginx " + C1, "failed web-2/nginx " + C1,
                "failed web-1/tls " + C1, "drift-found web-1/nginx " + C1);
    }

    @Test
    void theSameProblemAtANewCommitIsNews() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, null)));

        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C2));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C2));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C2));

        assertThat(out.seen()).containsExactly("failed web-1/nginx " + C1, "failed web-1/nginx " + C2,
                "applied web-1/nginx " + C2);
    }

    @Test
    void appliedIsNewsEveryTimeButRecoveredOnlyAfterAProblem() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, null)));

        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C2));
        publishAndDrain(n, event(Kind.RECOVERED, "", "", ""));
        publishAndDrain(n, event(Kind.SOURCE_UNAVAILABLE, "", "", ""));
        clock.advance(Duration.ofMinutes(10));
        publishAndDrain(n, event(Kind.SOURCE_UNAVAILABLE, "", "", ""));
        publishAndDrain(n, event(Kind.RECOVERED, "", "", ""));
        publishAndDrain(n, event(Kind.RECOVERED, "", "", ""));

        assertThat(out.seen()).containsExactly("applied web-1/nginx " + C1, "applied web-1/nginx " + C2,
                "source-unavailable  ", "recovered  ");
    }

    @Test
    void unhealthyIsSentOnceAndHealthyOnlyEndsTheUnhealthyOfItsOwnService() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, Duration.ofHours(1))));

        publishAndDrain(n, event(Kind.HEALTHY, "web-1", "nginx", C1)); // healthy with nothing before: no news
        publishAndDrain(n, event(Kind.UNHEALTHY, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(10));
        publishAndDrain(n, event(Kind.UNHEALTHY, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.HEALTHY, "web-2", "nginx", C1)); // another host's service was not unhealthy
        publishAndDrain(n, event(Kind.HEALTHY, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.HEALTHY, "web-1", "nginx", C1));

        assertThat(out.seen()).containsExactly("unhealthy web-1/nginx " + C1, "drift-found web-1/nginx " + C1,
                "healthy web-1/nginx " + C1);
        assertThat(n.open()).as("the drift goes on; the health problem ended")
                .extracting(Notifications.Open::problem).containsExactly(NotificationEvent.DRIFT_FOUND);
    }

    @Test
    void aGoodEventOnAHostEndsTheRepositoryWideProblemOfItsFamily() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, null)));

        publishAndDrain(n, event(Kind.FAILED, "", "", C1)); // the repository did not validate
        publishAndDrain(n, event(Kind.FAILED, "", "", C1));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C2));
        publishAndDrain(n, event(Kind.FAILED, "", "", C2)); // a new failure after it was fixed: sent
        assertThat(out.seen()).containsExactly("failed  " + C1, "applied web-1/nginx " + C2, "failed  " + C2);
    }

    @Test
    void eachRuleGetsItsEventsWithItsOwnRepeat() {
        Recorder chat = new Recorder("chat");
        Recorder pager = new Recorder("pager");
        Notifications n = notifications(List.of(
                rule(chat, null, Duration.ofMinutes(10)),
                rule(pager, EnumSet.of(Kind.SOURCE_UNAVAILABLE, Kind.RECOVERED), Duration.ofHours(4))));

        publishAndDrain(n, event(Kind.SOURCE_UNAVAILABLE, "", "", ""));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(15));
        publishAndDrain(n, event(Kind.SOURCE_UNAVAILABLE, "", "", ""));
        publishAndDrain(n, event(Kind.RECOVERED, "", "", ""));

        assertThat(chat.seen()).containsExactly("source-unavailable  ", "applied web-1/nginx " + C1,
                "source-unavailable  ", "recovered  ");
        assertThat(pager.seen()).containsExactly("source-unavailable  ", "recovered  ");
    }

    @Test
    void theResolutionGoesToARuleThatOnlyWantsResolutions() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, EnumSet.of(Kind.DRIFT_HEALED), null)));

        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        publishAndDrain(n, event(Kind.DRIFT_HEALED, "web-1", "nginx", C1));

        assertThat(out.seen()).containsExactly("drift-healed web-1/nginx " + C1);
    }

    @Test
    void anEndpointAnswering500IsRetriedABoundedNumberOfTimesWithoutBlockingPublish() {
        server.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(500)));
        Gate gate = new Gate(new SlackNotifier("ops-slack", url("/hook"), Duration.ofSeconds(5)));
        Notifications n = notifications(List.of(rule(gate, null, null)));

        n.publish(event(Kind.FAILED, "web-1", "nginx", C1));
        // publish returned while the delivery is held at the gate: nothing has reached the server yet
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/hook")))).isEmpty();
        assertThat(n.drain(Duration.ZERO)).isFalse();
        gate.open.countDown();

        assertThat(n.drain(DRAIN)).isTrue();
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/hook")))).hasSize(3);
        assertThat(gate.failures).containsExactly("ops-slack: HTTP 500", "ops-slack: HTTP 500", "ops-slack: HTTP 500");

        // the destination is not stuck: the next event goes out once it answers again
        server.stubFor(post(urlEqualTo("/hook")).willReturn(ok()));
        publishAndDrain(n, event(Kind.APPLIED, "web-1", "nginx", C1));
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/hook")))).hasSize(4);
    }

    @Test
    void aRefusalIsNotTriedAgain() {
        server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(404)));
        Gate gate = new Gate(new DiscordNotifier("chat", url("/gone"), Duration.ofSeconds(5)));
        gate.open.countDown();
        Notifications n = notifications(List.of(rule(gate, null, null)));

        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));

        assertThat(server.findAll(postRequestedFor(urlEqualTo("/gone")))).hasSize(1);
        assertThat(gate.failures).containsExactly("chat: HTTP 404");
    }

    @Test
    void anEndpointThatNeverAnswersTimesOutAndDelaysNoOtherDestination() throws Exception {
        server.stubFor(post(urlEqualTo("/slow")).willReturn(ok().withFixedDelay(3_000)));
        Gate slow = new Gate(new SlackNotifier("slow", url("/slow"), Duration.ofMillis(250)));
        Recorder fast = new Recorder("fast");
        Notifications n = new Notifications(List.of(rule(slow, null, null), rule(fast, null, null)), clock, 2,
                Duration.ofMillis(10));
        opened.add(n);

        n.publish(event(Kind.DRIFT_FOUND, "web-1", "nginx", C1));
        // publish returned before the slow destination was even contacted
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/slow")))).isEmpty();
        // and the other destination got the event while the slow one is still held
        assertThat(fast.first.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(slow.open.getCount()).isEqualTo(1);

        slow.open.countDown();
        assertThat(n.drain(DRAIN)).isTrue();
        assertThat(slow.failures).containsExactly("slow: no answer within 250ms", "slow: no answer within 250ms");
        assertThat(fast.seen()).containsExactly("drift-found web-1/nginx " + C1);
    }

    @Test
    void aFullQueueDropsEventsInsteadOfGrowing() {
        Recorder recorder = new Recorder("r");
        Gate gate = new Gate(recorder);
        Notifications n = notifications(List.of(rule(gate, null, null)));

        for (int i = 0; i < Notifications.QUEUE_LIMIT + 50; i++) {
            n.publish(event(Kind.APPLIED, "web-" + i, "nginx", C1));
        }
        gate.open.countDown();

        assertThat(n.drain(DRAIN)).isTrue();
        assertThat(recorder.events).hasSize(Notifications.QUEUE_LIMIT + 1); // one in flight, the queue full
    }

    @Test
    void afterCloseNothingIsSent() {
        Recorder out = new Recorder("r");
        Notifications n = notifications(List.of(rule(out, null, null)));
        n.close();

        n.publish(event(Kind.FAILED, "web-1", "nginx", C1));

        assertThat(n.drain(Duration.ZERO)).isTrue();
        assertThat(out.events).isEmpty();
    }

    @Test
    void aConfiguredDestinationDeliversEndToEnd() throws Exception {
        server.stubFor(post(urlEqualTo("/driftless")).willReturn(ok()));
        Notification audit = new Notification("audit", new Destination.Webhook(new Setting.Text(url("/driftless")
                .toString()), new Reference.Secret("hmac", new Location("driftless.yaml", 6, "notifications.audit"
                + ".webhook.secret"))), EnumSet.of(NotificationEvent.FAILED, NotificationEvent.APPLIED),
                Duration.ofMinutes(30), Duration.ofSeconds(5));
        List<NotificationRule> rules = Destinations.rules("test-agent", List.of(audit), Map.of("hmac", "k3y")::get, Map.of());
        Notifications n = notifications(rules);

        publishAndDrain(n, event(Kind.DRIFT_FOUND, "web-1", "nginx", C1)); // not wanted by this rule
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(29));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));
        clock.advance(Duration.ofMinutes(1));
        publishAndDrain(n, event(Kind.FAILED, "web-1", "nginx", C1));

        var requests = server.findAll(postRequestedFor(urlEqualTo("/driftless")));
        assertThat(requests).hasSize(2);
        assertThat(new ObjectMapper().readTree(requests.get(0).getBody()).get("kind").asText()).isEqualTo("failed");
        assertThat(requests.get(0).getHeader("X-Signature"))
                .isEqualTo("sha256=" + WebhookNotifier.sign("k3y".getBytes(), requests.get(0).getBody()));
    }

    static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
