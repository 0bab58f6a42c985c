package dev.driftless.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Destination;
import dev.driftless.model.Destination.CommitStatus.Forge;
import dev.driftless.model.Location;
import dev.driftless.model.Notification;
import dev.driftless.model.NotificationEvent;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.model.ValidationException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Building notifiers from the records of driftless.yaml, reading the secrets and variables they name. */
class DestinationsTest {

    static final Map<String, String> SECRETS = Map.of(
            "slack_webhook", "https://hooks.slack.com/services/T000/B000/SLACKSECRET",
            "hmac", "HMACSECRET",
            "github_token", "ghp_GITHUBSECRET",
            "smtp_password", "SMTPSECRET",
            "not_a_url", "ftp://files.example.org/NOTAURLSECRET",
            "blank", "  ");
    static final Function<String, String> LOOKUP = SECRETS::get;
    static final Map<String, String> ENV = Map.of("NTFY_TOKEN", "tk_ENVSECRET", "ONCALL", "oncall@example.org");

    /** A {@code { secret: name }} written on {@code line} at {@code key}. */
    static Reference secret(String name, int line, String key) {
        return new Reference.Secret(name, new Location("driftless.yaml", line, key));
    }

    static Reference env(String variable, int line, String key) {
        return new Reference.Env(variable, new Location("driftless.yaml", line, key));
    }

    static Setting text(String value) {
        return new Setting.Text(value);
    }

    static Notification entry(String name, Destination destination) {
        return new Notification(name, destination, EnumSet.allOf(NotificationEvent.class),
                Notification.DEFAULT_REPEAT, Notification.DEFAULT_TIMEOUT);
    }

    static List<String> problems(Notification... notifications) {
        try {
            Destinations.rules("test-agent", List.of(notifications), LOOKUP, ENV);
        } catch (ValidationException e) {
            List<String> told = e.problems().stream().map(Problem::toString).toList();
            for (String value : List.of("SLACKSECRET", "HMACSECRET", "NOTAURLSECRET", "tk_ENVSECRET")) {
                assertThat(String.join("\n", told)).doesNotContain(value);
            }
            return told;
        }
        throw new AssertionError("every destination was built");
    }

    @Test
    void everyDestinationIsBuiltWithItsNameEventsRepeatAndTimeout() {
        List<NotificationRule> rules = Destinations.rules("test-agent", List.of(
                new Notification("ops", new Destination.Slack(secret("slack_webhook", 6, "notifications.ops.slack.url")),
                        EnumSet.of(NotificationEvent.FAILED), Duration.ofHours(4), Duration.ofSeconds(5)),
                entry("chat", new Destination.Discord(secret("slack_webhook", 8, "u"))),
                entry("phone", new Destination.Ntfy(text("https://ntfy.example.org"), text("alerts"),
                        Optional.of(env("NTFY_TOKEN", 10, "t")))),
                entry("audit", new Destination.Webhook(text("https://hooks.example.org/x"), secret("hmac", 12, "s"))),
                entry("mail", new Destination.Email(text("smtp.example.org"), 587, Destination.Email.Tls.STARTTLS,
                        Optional.of(new Destination.Email.Login(text("driftless"), secret("smtp_password", 14, "p"))),
                        text("driftless@example.org"), List.of(text("ops@example.org"), env("ONCALL", 15, "to")))),
                entry("commits", new Destination.CommitStatus(Forge.GITHUB, text("https://api.github.com"),
                        text("acme"), text("infra"), secret("github_token", 17, "t"), Optional.empty())),
                entry("forge", new Destination.CommitStatus(Forge.GITEA, text("https://codeberg.org"), text("acme"),
                        text("infra"), secret("github_token", 19, "t"), Optional.of(text("https://dash.example.org"))))), LOOKUP, ENV);

        assertThat(rules).extracting(NotificationRule::name)
                .containsExactly("ops", "chat", "phone", "audit", "mail", "commits", "forge");
        assertThat(rules).extracting(r -> r.notifier().getClass().getSimpleName()).containsExactly(
                "SlackNotifier", "DiscordNotifier", "NtfyNotifier", "WebhookNotifier", "EmailNotifier",
                "GitHubStatusNotifier", "GiteaStatusNotifier");
        assertThat(rules).allSatisfy(r -> assertThat(r.notifier().name()).isEqualTo(r.name()));
        assertThat(rules.get(0).events()).containsExactly(NotificationEvent.FAILED);
        assertThat(rules.get(0).repeat()).isEqualTo(Duration.ofHours(4));
        assertThat(((HttpNotifier) rules.get(0).notifier()).timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(rules.get(1).events()).isEqualTo(EnumSet.allOf(NotificationEvent.class));
    }

    @Test
    void aMissingSecretOrUnsetVariableIsReportedAtTheLineOfItsReference() {
        assertThat(problems(
                entry("ops", new Destination.Slack(secret("nope", 6, "notifications.ops.slack.url"))),
                entry("phone", new Destination.Ntfy(text("https://ntfy.sh"), text("t"),
                        Optional.of(env("NOPE", 9, "notifications.phone.ntfy.token")))),
                entry("audit", new Destination.Webhook(text("https://example.org/h"),
                        secret("blank", 11, "notifications.audit.webhook.secret"))))).containsExactly(
                "driftless.yaml:6: notifications.ops.slack.url: secret 'nope' is not defined",
                "driftless.yaml:9: notifications.phone.ntfy.token: environment variable NOPE is not set",
                "driftless.yaml:11: notifications.audit.webhook.secret: the value of secret 'blank' is empty");
    }

    @Test
    void pagerDutyReadsItsRoutingKeyAndSpeaksForTheAgent() {
        List<NotificationRule> rules = Destinations.rules("agent-7", List.of(entry("pager", new Destination.PagerDuty(
                text(Destination.PagerDuty.EVENTS_API), secret("hmac", 6, "notifications.pager.pagerduty.routing-key")))),
                LOOKUP, ENV);

        assertThat(rules).singleElement().satisfies(rule -> assertThat(rule.notifier())
                .isInstanceOfSatisfying(PagerDutyNotifier.class, pager -> assertThat(pager.dedupKey(
                        new Event(Event.Kind.DRIFT_HEALED, "web-1", "nginx", "", "", null)))
                        .isEqualTo("driftless/agent-7/drift-found/web-1/nginx")));
        assertThat(problems(entry("pager", new Destination.PagerDuty(text(Destination.PagerDuty.EVENTS_API),
                env("PD_KEY", 7, "notifications.pager.pagerduty.routing-key"))))).containsExactly(
                "driftless.yaml:7: notifications.pager.pagerduty.routing-key: environment variable PD_KEY is not set");
    }

    @Test
    void aValueOfTheWrongFormIsReportedWithoutShowingIt() {
        assertThat(problems(
                entry("ops", new Destination.Slack(secret("not_a_url", 6, "notifications.ops.slack.url"))),
                entry("mail", new Destination.Email(text("localhost"), 25, Destination.Email.Tls.NONE, Optional.empty(),
                        text("x@example.org"), List.of(secret("hmac", 9, "notifications.mail.email.to[0]"))))))
                .containsExactly(
                        "driftless.yaml:6: notifications.ops.slack.url: the value of secret 'not_a_url' is not an"
                                + " http(s) URL, such as https://example.org/hook",
                        "driftless.yaml:9: notifications.mail.email.to[0]: the value of secret 'hmac' is not an email"
                                + " address");
    }

    @Test
    void aSecretThatCannotBeReadIsReportedWithTheReason() {
        assertThatThrownBy(() -> Destinations.rules("test-agent", List.of(
                entry("ops", new Destination.Slack(secret("slack_webhook", 6, "notifications.ops.slack.url")))),
                name -> {
                    throw new IllegalStateException("no age key can decrypt secrets/notify.sops.yaml");
                }, ENV))
                .isInstanceOf(ValidationException.class)
                .hasMessage("driftless.yaml:6: notifications.ops.slack.url: secret 'slack_webhook' cannot be read:"
                        + " no age key can decrypt secrets/notify.sops.yaml");
    }
}
