package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Destination;
import dev.driftless.model.Destination.CommitStatus.Forge;
import dev.driftless.model.Inventory;
import dev.driftless.model.Location;
import dev.driftless.model.Notification;
import dev.driftless.model.NotificationEvent;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code notifications:} of driftless.yaml into model records, and where its errors point. */
class NotificationLoaderTest {

    static final String HOSTS = "hosts:\n  box:\n    address: local\n";

    @TempDir
    Path temp;

    TestRepo repo;

    @BeforeEach
    void createRepository() {
        repo = TestRepo.init(temp.resolve("repo"));
    }

    @AfterEach
    void closeRepository() {
        repo.close();
    }

    @Test
    void anUnknownEventIsReportedOnItsOwnLineNotOnTheNotificationsLine() {
        assertThat(problems(HOSTS + """
                notifications:
                  ops:
                    slack: { url: { secret: slack_webhook } }
                    events:
                      - failed
                      - drfit-found
                """)).containsExactly("driftless.yaml:9: notifications.ops.events[1]: 'drfit-found' is not an event"
                + " (did you mean 'drift-found'? events: applied, failed, drift-found, drift-healed, recovered,"
                + " source-unavailable, unhealthy, healthy, untrusted-commit, rewind-refused)");
    }

    @Test
    void theEventsOfSignatureVerificationCanBeChosenAsEveryOtherEvent() {
        List<Notification> notifications = load(HOSTS + """
                notifications:
                  security:
                    slack: { url: { secret: slack_webhook } }
                    events: [untrusted-commit, Rewind_Refused, applied]
                """).notifications();

        assertThat(notifications).singleElement().extracting(Notification::events).isEqualTo(EnumSet.of(
                NotificationEvent.UNTRUSTED_COMMIT, NotificationEvent.REWIND_REFUSED, NotificationEvent.APPLIED));
    }

    @Test
    void readsEveryKindOfDestinationIntoRecordsWithReferencesNotValues() {
        List<Notification> notifications = load(HOSTS + """
                notifications:
                  ops-slack:
                    slack: { url: { secret: slack_webhook } }
                    events: [failed, drift-found, drift-healed, source-unavailable, recovered]
                    repeat: 4h
                  chat:
                    discord: { url: { secret: discord_webhook } }
                    repeat: 1h30m
                  phone:
                    ntfy: { url: https://ntfy.example.org, topic: driftless-alerts, token: { env: NTFY_TOKEN } }
                    timeout: 5s
                  audit:
                    webhook: { url: https://hooks.example.org/driftless, secret: { secret: hmac } }
                  mail:
                    email:
                      host: smtp.example.org
                      username: driftless
                      password: { secret: smtp_password }
                      from: Driftless <driftless@example.org>
                      to: [ops@example.org, { env: ONCALL_ADDRESS }]
                  commits:
                    github: { owner: acme, repo: infra, token: { secret: github_token } }
                  forge:
                    forgejo: { url: https://codeberg.org, owner: acme, repo: infra, token: { secret: forge_token },
                               targetUrl: https://dash.example.org }
                """).notifications();

        assertThat(notifications).extracting(Notification::name)
                .containsExactly("ops-slack", "chat", "phone", "audit", "mail", "commits", "forge");
        assertThat(notifications.get(0)).isEqualTo(new Notification("ops-slack",
                new Destination.Slack(new Reference.Secret("slack_webhook", at(6, "notifications.ops-slack.slack.url"))),
                EnumSet.of(NotificationEvent.FAILED, NotificationEvent.DRIFT_FOUND, NotificationEvent.DRIFT_HEALED,
                        NotificationEvent.SOURCE_UNAVAILABLE, NotificationEvent.RECOVERED), Duration.ofHours(4),
                Duration.ofSeconds(10)));
        assertThat(notifications.get(1).events()).isEqualTo(EnumSet.allOf(NotificationEvent.class));
        assertThat(notifications.get(1).repeat()).isEqualTo(Duration.ofMinutes(90));
        assertThat(notifications.get(2).destination()).isEqualTo(new Destination.Ntfy(
                new Setting.Text("https://ntfy.example.org"), new Setting.Text("driftless-alerts"),
                Optional.of(new Reference.Env("NTFY_TOKEN", at(13, "notifications.phone.ntfy.token")))));
        assertThat(notifications.get(2).timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(notifications.get(2).repeat()).isEqualTo(Notification.DEFAULT_REPEAT);
        assertThat(notifications.get(3).destination()).isEqualTo(new Destination.Webhook(
                new Setting.Text("https://hooks.example.org/driftless"),
                new Reference.Secret("hmac", at(16, "notifications.audit.webhook.secret"))));
        assertThat(notifications.get(4).destination()).isEqualTo(new Destination.Email(
                new Setting.Text("smtp.example.org"), 587, Destination.Email.Tls.STARTTLS,
                Optional.of(new Destination.Email.Login(new Setting.Text("driftless"),
                        new Reference.Secret("smtp_password", at(21, "notifications.mail.email.password")))),
                new Setting.Text("Driftless <driftless@example.org>"), List.of(new Setting.Text("ops@example.org"),
                        new Reference.Env("ONCALL_ADDRESS", at(23, "notifications.mail.email.to[1]")))));
        assertThat(notifications.get(5).destination()).isEqualTo(new Destination.CommitStatus(Forge.GITHUB,
                new Setting.Text("https://api.github.com"), new Setting.Text("acme"), new Setting.Text("infra"),
                new Reference.Secret("github_token", at(25, "notifications.commits.github.token")), Optional.empty()));
        assertThat(notifications.get(6).destination()).isInstanceOfSatisfying(Destination.CommitStatus.class,
                forge -> {
                    assertThat(forge.forge()).isEqualTo(Forge.GITEA);
                    assertThat(forge.targetUrl()).contains(new Setting.Text("https://dash.example.org"));
                });
    }

    @Test
    void pagerDutyTakesItsRoutingKeyAsACredentialAndItsUrlForTests() {
        List<Notification> notifications = load(HOSTS + """
                notifications:
                  pager:
                    pagerduty: { routing-key: { secret: pagerduty_key } }
                    events: [failed, applied]
                  staging-pager:
                    pagerduty:
                      routing-key: { env: PD_ROUTING_KEY }
                      url: http://127.0.0.1:8080/v2/enqueue
                """).notifications();

        assertThat(notifications.get(0).destination()).isEqualTo(new Destination.PagerDuty(
                new Setting.Text("https://events.pagerduty.com/v2/enqueue"),
                new Reference.Secret("pagerduty_key", at(6, "notifications.pager.pagerduty.routing-key"))));
        assertThat(notifications.get(1).destination()).isEqualTo(new Destination.PagerDuty(
                new Setting.Text("http://127.0.0.1:8080/v2/enqueue"),
                new Reference.Env("PD_ROUTING_KEY", at(10, "notifications.staging-pager.pagerduty.routing-key"))));
    }

    @Test
    void aPagerDutyRoutingKeyInPlainTextOrMissingIsRefusedOnItsLine() {
        List<String> problems = problems(HOSTS + """
                notifications:
                  pager:
                    pagerduty: { routing-key: R0UT1NGKEYPLAIN }
                  other:
                    pagerduty: { url: https://events.pagerduty.com/v2/enqueue, routingKey: { secret: k } }
                """);

        assertThat(problems).containsExactly("driftless.yaml:6: notifications.pager.pagerduty.routing-key: is a"
                        + " credential: write it as `{ secret: name }` (a secret of the repository) or `{ env: VARIABLE }`,"
                        + " not in plain text in a file that is committed",
                "driftless.yaml:8: notifications.other.pagerduty.routingKey: unknown key (did you mean 'routing-key'?"
                        + " allowed here: routing-key, url)",
                "driftless.yaml:8: notifications.other.pagerduty.routing-key: is required but missing (the"
                        + " integration key of a PagerDuty service, Events API v2)");
        assertThat(String.join("\n", problems)).doesNotContain("R0UT1NGKEYPLAIN");
    }

    @Test
    void noNotificationsIsAnEmptyList() {
        assertThat(load(HOSTS).notifications()).isEmpty();
        assertThat(load(HOSTS + "notifications: {}\n").notifications()).isEmpty();
        assertThat(load(HOSTS + "notifications:\n").notifications()).isEmpty();
    }

    @Test
    void aListInsteadOfAMapIsReportedAtNotifications() {
        assertThat(problems(HOSTS + """
                notifications:
                  - slack: { url: { secret: slack_webhook } }
                """)).containsExactly("driftless.yaml:4: notifications: must be a map of name → destination, such as"
                + " `ops: { slack: { url: { secret: slack_webhook } } }` (a map, not a list)");
    }

    @Test
    void anUnknownKeyIsReportedOnItsLineWithTheClosestAllowedKey() {
        assertThat(problems(HOSTS + """
                notifications:
                  ops:
                    slack: { url: { secret: slack_webhook }, channel: ops }
                    evnts: [failed]
                """)).containsExactly(
                "driftless.yaml:7: notifications.ops.evnts: unknown key (did you mean 'events'? allowed here: slack,"
                        + " discord, ntfy, webhook, email, pagerduty, github, gitea, forgejo, events, repeat, timeout)",
                "driftless.yaml:6: notifications.ops.slack.channel: unknown key (allowed here: url)");
    }

    @Test
    void aCredentialInPlainTextIsRefusedOnItsLineWithoutRepeatingIt() {
        List<String> problems = problems(HOSTS + """
                notifications:
                  ops:
                    slack: { url: "https://hooks.slack.com/services/T000/B000/PLAINSECRET" }
                  commits:
                    github:
                      owner: acme
                      repo: infra
                      token: ghp_PLAINSECRET
                """);

        String credential = ": is a credential: write it as `{ secret: name }` (a secret of the repository) or"
                + " `{ env: VARIABLE }`, not in plain text in a file that is committed";
        assertThat(problems).containsExactly("driftless.yaml:6: notifications.ops.slack.url" + credential,
                "driftless.yaml:11: notifications.commits.github.token" + credential);
        assertThat(String.join("\n", problems)).doesNotContain("PLAINSECRET");
    }

    @Test
    void aMalformedReferenceIsReportedAtItsKey() {
        assertThat(problems(HOSTS + """
                notifications:
                  a:
                    webhook: { url: https://example.org/h, secret: { vault: x } }
                  b:
                    webhook: { url: https://example.org/h, secret: { secret: "" } }
                  c:
                    ntfy: { topic: { env: } }
                """)).containsExactly(
                "driftless.yaml:6: notifications.a.webhook.secret: must be text, `{ secret: name }` or"
                        + " `{ env: VARIABLE }`",
                "driftless.yaml:8: notifications.b.webhook.secret.secret: must name a secret",
                "driftless.yaml:10: notifications.c.ntfy.topic.env: must name a variable");
    }

    @Test
    void aBadUrlWrittenAsTextIsReportedOnItsLine() {
        assertThat(problems(HOSTS + """
                notifications:
                  audit:
                    webhook:
                      url: "ftp://example.org/x"
                      secret: { secret: hmac }
                  gh:
                    github: { owner: acme, repo: infra, token: { secret: t }, api: "not a url" }
                """)).containsExactly(
                "driftless.yaml:7: notifications.audit.webhook.url: 'ftp://example.org/x' is not an http(s) URL,"
                        + " such as https://example.org/hook",
                "driftless.yaml:10: notifications.gh.github.api: 'not a url' is not a valid URL");
    }

    @Test
    void eventsRepeatAndTimeoutAreCheckedEachOnItsLine() {
        assertThat(problems(HOSTS + """
                notifications:
                  ops:
                    slack: { url: { secret: slack_webhook } }
                    events: [failed, drift_found, drfit-healed, everything]
                    repeat: 1 hour
                    timeout: 10m
                  empty:
                    slack: { url: { secret: slack_webhook } }
                    events: []
                    repeat: 0s
                """)).containsExactly(
                "driftless.yaml:9: notifications.ops.timeout: must be at most 5m",
                "driftless.yaml:8: notifications.ops.repeat: '1 hour' is not a duration; write it like 30s, 10m, 1h"
                        + " or 1h30m",
                "driftless.yaml:7: notifications.ops.events[2]: 'drfit-healed' is not an event (did you mean"
                        + " 'drift-healed'? events: applied, failed, drift-found, drift-healed, recovered,"
                        + " source-unavailable, unhealthy, healthy, untrusted-commit, rewind-refused)",
                "driftless.yaml:7: notifications.ops.events[3]: 'everything' is not an event (events: applied, failed,"
                        + " drift-found, drift-healed, recovered, source-unavailable, unhealthy, healthy, untrusted-commit,"
                        + " rewind-refused)",
                "driftless.yaml:13: notifications.empty.repeat: '0s' is not a duration; write it like 30s, 10m, 1h"
                        + " or 1h30m",
                "driftless.yaml:12: notifications.empty.events: must be a non-empty list of applied, failed,"
                        + " drift-found, drift-healed, recovered, source-unavailable, unhealthy, healthy, untrusted-commit,"
                        + " rewind-refused (leave it out for all)");
    }

    @Test
    void anEntryHasExactlyOneDestination() {
        assertThat(problems(HOSTS + """
                notifications:
                  both:
                    slack: { url: { secret: slack_webhook } }
                    discord: { url: { secret: discord_webhook } }
                  none:
                    repeat: 1h
                  bare:
                  "bad name":
                    slack: { url: { secret: slack_webhook } }
                  flat:
                    slack: https://hooks.slack.com/x
                """)).containsExactly(
                "driftless.yaml:5: notifications.both: gives slack and discord; one entry has one destination"
                        + " (make another entry)",
                "driftless.yaml:8: notifications.none: says nowhere to send: give one of slack, discord, ntfy,"
                        + " webhook, email, pagerduty, github, gitea",
                "driftless.yaml:10: notifications.bare: must be a map with one of slack, discord, ntfy, webhook,"
                        + " email, pagerduty, github, gitea (it is empty)",
                "driftless.yaml:11: notifications.bad name: is not a valid notification name (letters, digits, '.',"
                        + " '_' and '-')",
                "driftless.yaml:14: notifications.flat.slack: must be a map of settings, such as"
                        + " `url: { secret: slack_webhook }`");
    }

    @Test
    void emailSettingsAreCheckedEachOnItsLine() {
        assertThat(problems(HOSTS + """
                notifications:
                  a:
                    email: { host: smtp.example.org, tls: ssl, from: x@example.org, to: y@example.org }
                  b:
                    email: { host: smtp.example.org, port: 70000, from: x@example.org, to: y@example.org }
                  c:
                    email: { host: smtp.example.org, from: "not an address", to: [] }
                  d:
                    email: { host: smtp.example.org, username: u, from: x@example.org, to: y@example.org }
                  e:
                    email: { host: smtp.example.org, tls: none, username: u, password: { secret: smtp_password },
                             from: x@example.org, to: y@example.org }
                  f:
                    email: { host: smtp.example.org }
                """)).containsExactly(
                "driftless.yaml:6: notifications.a.email.tls: 'ssl' is not starttls, smtps or none",
                "driftless.yaml:8: notifications.b.email.port: '70000' is not a port (1 to 65535)",
                "driftless.yaml:10: notifications.c.email.from: 'not an address' is not an email address",
                "driftless.yaml:10: notifications.c.email.to: is empty: give at least one address",
                "driftless.yaml:12: notifications.d.email.username: is given without password",
                "driftless.yaml:14: notifications.e.email.tls: none would send the password in clear to"
                        + " smtp.example.org; use starttls or smtps (none is for a relay on this machine)",
                "driftless.yaml:17: notifications.f.email.from: is required but missing (the sender's address, such"
                        + " as driftless@example.org)",
                "driftless.yaml:17: notifications.f.email.to: is required but missing (one address or a list of"
                        + " them)");
    }

    @Test
    void plainSmtpToALocalRelayIsAllowed() {
        assertThat(load(HOSTS + """
                notifications:
                  relay:
                    email: { host: localhost, tls: none, port: 25, from: x@example.org, to: y@example.org }
                """).notifications()).singleElement().extracting(Notification::destination)
                .isEqualTo(new Destination.Email(new Setting.Text("localhost"), 25, Destination.Email.Tls.NONE,
                        Optional.empty(), new Setting.Text("x@example.org"), List.of(new Setting.Text("y@example.org"))));
    }

    @Test
    void statusSettingsAreCheckedEachOnItsLine() {
        assertThat(problems(HOSTS + """
                notifications:
                  gh:
                    github:
                      owner: "acme/evil"
                      token: { secret: github_token }
                  forge:
                    gitea: { owner: acme, repo: infra, token: { secret: forge_token } }
                """)).containsExactly(
                "driftless.yaml:7: notifications.gh.github.owner: 'acme/evil' is not a valid owner or repository"
                        + " name (letters, digits, '.', '_' and '-')",
                "driftless.yaml:6: notifications.gh.github.repo: is required but missing (the repository's name)",
                "driftless.yaml:10: notifications.forge.gitea.url: is required but missing (the server's URL)");
    }

    static Location at(int line, String key) {
        return new Location("driftless.yaml", line, key);
    }

    /** The inventory of a repository whose driftless.yaml is {@code yaml}. */
    Inventory load(String yaml) {
        repo.write("driftless.yaml", yaml).commit("inventory");
        try (RepoSource.Checkout checkout = new RepoSource(temp.resolve("cache")).open(new RepoSource.Request(
                repo.dir().toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            return new RepositoryLoader().loadInventory(checkout.tree());
        }
    }

    /** Every problem {@code validate} reports for a driftless.yaml, as printed. */
    List<String> problems(String yaml) {
        try {
            load(yaml);
        } catch (ValidationException e) {
            return e.problems().stream().map(Problem::toString).toList();
        }
        throw new AssertionError("driftless.yaml validated");
    }
}
