package dev.driftless.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.notify.Event.Kind;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Reading {@code notifications:} of driftless.yaml, and its error messages. */
class NotificationConfigTest {

    static final String WHERE = "driftless.yaml: notifications";
    static final Map<String, String> SECRETS = Map.of(
            "slack_webhook", "https://hooks.slack.com/services/T000/B000/SLACKSECRET",
            "discord_webhook", "https://discord.com/api/webhooks/1/DISCORDSECRET",
            "hmac", "HMACSECRET",
            "github_token", "ghp_GITHUBSECRET",
            "forge_token", "FORGESECRET",
            "smtp_password", "SMTPSECRET",
            "not_a_url", "ftp://files.example.org/NOTAURLSECRET",
            "blank", "  ");
    static final Function<String, String> LOOKUP = SECRETS::get;
    static final Map<String, String> ENV = Map.of("NTFY_TOKEN", "tk_ENVSECRET");

    /** The {@code notifications:} value of a driftless.yaml, loaded as the repository loader loads YAML. */
    static Object yaml(String text) {
        Object document = new Load(LoadSettings.builder().build()).loadFromString(text);
        return ((Map<?, ?>) document).get("notifications");
    }

    static List<NotificationRule> parse(String text) {
        return NotificationConfig.parse(yaml(text), WHERE, LOOKUP, ENV);
    }

    static String errors(String text) {
        try {
            parse(text);
        } catch (IllegalArgumentException e) {
            for (String secret : SECRETS.values()) {
                if (!secret.isBlank()) {
                    assertThat(e.getMessage()).doesNotContain(secret);
                }
            }
            assertThat(e.getMessage()).doesNotContain("tk_ENVSECRET");
            return e.getMessage();
        }
        throw new AssertionError("no error");
    }

    @Test
    void readsEveryKindOfDestination() {
        List<NotificationRule> rules = parse("""
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
                      to: [ops@example.org, oncall@example.org]
                  commits:
                    github: { owner: acme, repo: infra, token: { secret: github_token } }
                  forge:
                    forgejo: { url: https://codeberg.org, owner: acme, repo: infra, token: { secret: forge_token },
                               targetUrl: https://dash.example.org }
                """);

        assertThat(rules).extracting(NotificationRule::name)
                .containsExactly("ops-slack", "chat", "phone", "audit", "mail", "commits", "forge");
        assertThat(rules).extracting(r -> r.notifier().getClass().getSimpleName()).containsExactly(
                "SlackNotifier", "DiscordNotifier", "NtfyNotifier", "WebhookNotifier", "EmailNotifier",
                "GitHubStatusNotifier", "GiteaStatusNotifier");
        assertThat(rules).allSatisfy(r -> assertThat(r.notifier().name()).isEqualTo(r.name()));
        assertThat(rules.get(0).events()).isEqualTo(EnumSet.complementOf(EnumSet.of(Kind.APPLIED)));
        assertThat(rules.get(0).repeat()).isEqualTo(Duration.ofHours(4));
        assertThat(rules.get(1).events()).isEqualTo(EnumSet.allOf(Kind.class));
        assertThat(rules.get(1).repeat()).isEqualTo(Duration.ofMinutes(90));
        assertThat(rules.get(2).repeat()).isEqualTo(NotificationRule.DEFAULT_REPEAT);
        assertThat(((HttpNotifier) rules.get(2).notifier()).timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(((HttpNotifier) rules.get(3).notifier()).timeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void noNotificationsIsNoRules() {
        assertThat(NotificationConfig.parse(null, WHERE, LOOKUP, ENV)).isEmpty();
        assertThat(parse("notifications: {}\n")).isEmpty();
    }

    @Test
    void aListInsteadOfAMapIsAnError() {
        assertThat(errors("""
                notifications:
                  - slack: { url: { secret: slack_webhook } }
                """)).isEqualTo(WHERE + ": must be a map of name → destination, such as "
                + "`ops: { slack: { url: { secret: slack_webhook } } }` (a map, not a list)");
    }

    @Test
    void anUnknownKeyIsNamedWithItsPathAndTheClosestAllowedKey() {
        assertThat(errors("""
                notifications:
                  ops:
                    slack: { url: { secret: slack_webhook }, channel: ops }
                    evnts: [failed]
                """)).isEqualTo(String.join("\n",
                WHERE + ".ops.evnts: unknown key (did you mean 'events'? allowed here: slack, discord, ntfy, "
                        + "webhook, email, github, gitea, forgejo, events, repeat, timeout)",
                WHERE + ".ops.slack.channel: unknown key (allowed here: url)"));
    }

    @Test
    void aCredentialInPlainTextIsRefusedWithoutRepeatingIt() {
        String message = errors("""
                notifications:
                  ops:
                    slack: { url: "https://hooks.slack.com/services/T000/B000/PLAINSECRET" }
                  commits:
                    github: { owner: acme, repo: infra, token: ghp_PLAINSECRET }
                """);

        assertThat(message).isEqualTo(String.join("\n",
                WHERE + ".ops.slack.url: is a credential: write it as `{ secret: name }` (a secret of the repository) "
                        + "or `{ env: VARIABLE }`, not in plain text in a file that is committed",
                WHERE + ".commits.github.token: is a credential: write it as `{ secret: name }` (a secret of the "
                        + "repository) or `{ env: VARIABLE }`, not in plain text in a file that is committed"));
        assertThat(message).doesNotContain("PLAINSECRET");
    }

    @Test
    void aMissingSecretOrVariableIsNamed() {
        assertThat(errors("""
                notifications:
                  ops:
                    slack: { url: { secret: nope } }
                  phone:
                    ntfy: { topic: t, token: { env: NOPE } }
                  audit:
                    webhook: { url: https://example.org/h, secret: { secret: blank } }
                  other:
                    webhook: { url: https://example.org/h, secret: { vault: x } }
                """)).isEqualTo(String.join("\n",
                WHERE + ".ops.slack.url.secret: secret 'nope' is not defined",
                WHERE + ".phone.ntfy.token.env: environment variable NOPE is not set",
                WHERE + ".audit.webhook.secret: secret 'blank' is empty",
                WHERE + ".other.webhook.secret: must be text, `{ secret: name }` or `{ env: VARIABLE }`"));
    }

    @Test
    void aSecretThatCannotBeReadIsReportedAtItsPath() {
        assertThatThrownBy(() -> NotificationConfig.parse(yaml("""
                notifications:
                  ops:
                    slack: { url: { secret: slack_webhook } }
                """), WHERE, name -> {
                    throw new IllegalStateException("no age key can decrypt secrets/notify.sops.yaml");
                }, ENV))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(WHERE + ".ops.slack.url.secret: secret 'slack_webhook' cannot be read: "
                        + "no age key can decrypt secrets/notify.sops.yaml");
    }

    @Test
    void aBadUrlFromASecretIsReportedWithoutItsValue() {
        assertThat(errors("""
                notifications:
                  ops:
                    slack: { url: { secret: not_a_url } }
                  audit:
                    webhook: { url: "ftp://example.org/x", secret: { secret: hmac } }
                """)).isEqualTo(String.join("\n",
                WHERE + ".ops.slack.url: the value is not an http(s) URL, such as https://example.org/hook",
                WHERE + ".audit.webhook.url: 'ftp://example.org/x' is not an http(s) URL, such as https://example.org/hook"));
    }

    @Test
    void eventsRepeatAndTimeoutAreChecked() {
        assertThat(errors("""
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
                """)).isEqualTo(String.join("\n",
                WHERE + ".ops.timeout: must be at most 5m",
                WHERE + ".ops.repeat: '1 hour' is not a duration; write it like 30s, 10m, 1h or 1h30m",
                WHERE + ".ops.events[2]: 'drfit-healed' is not an event (did you mean 'drift-healed'? events: applied, "
                        + "failed, drift-found, drift-healed, recovered, source-unavailable)",
                WHERE + ".ops.events[3]: 'everything' is not an event (events: applied, failed, drift-found, "
                        + "drift-healed, recovered, source-unavailable)",
                WHERE + ".empty.repeat: '0s' is not a duration; write it like 30s, 10m, 1h or 1h30m",
                WHERE + ".empty.events: must be a non-empty list of applied, failed, drift-found, drift-healed, "
                        + "recovered, source-unavailable (leave it out for all)"));
    }

    @Test
    void anEntryHasExactlyOneDestination() {
        assertThat(errors("""
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
                """)).isEqualTo(String.join("\n",
                WHERE + ".both: gives slack and discord; one entry has one destination (make another entry)",
                WHERE + ".none: says nowhere to send: give one of slack, discord, ntfy, webhook, email, github, gitea",
                WHERE + ".bare: must be a map with one of slack, discord, ntfy, webhook, email, github, gitea (it is empty)",
                WHERE + ".bad name: is not a valid notification name (letters, digits, '.', '_' and '-')",
                WHERE + ".flat.slack: must be a map of settings, such as `url: { secret: slack_webhook }`"));
    }

    @Test
    void emailSettingsAreChecked() {
        assertThat(errors("""
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
                """)).isEqualTo(String.join("\n",
                WHERE + ".a.email.tls: 'ssl' is not starttls, smtps or none",
                WHERE + ".b.email.port: '70000' is not a port (1 to 65535)",
                WHERE + ".c.email.from: 'not an address' is not an email address",
                WHERE + ".c.email.to: is empty: give at least one address",
                WHERE + ".d.email.username: is given without password",
                WHERE + ".e.email.tls: none would send the password in clear to smtp.example.org; use starttls or "
                        + "smtps (none is for a relay on this machine)",
                WHERE + ".f.email.from: is required: the sender's address, such as driftless@example.org",
                WHERE + ".f.email.to: is required: one address or a list of them"));
    }

    @Test
    void plainSmtpToALocalRelayIsAllowed() {
        List<NotificationRule> rules = parse("""
                notifications:
                  relay:
                    email: { host: localhost, tls: none, port: 25, from: x@example.org, to: y@example.org }
                """);
        assertThat(rules).singleElement().extracting(NotificationRule::notifier).isInstanceOf(EmailNotifier.class);
    }

    @Test
    void statusSettingsAreChecked() {
        assertThat(errors("""
                notifications:
                  gh:
                    github: { owner: "acme/evil", token: { secret: github_token }, api: "not a url" }
                  forge:
                    gitea: { owner: acme, repo: infra, token: { secret: forge_token } }
                """)).isEqualTo(String.join("\n",
                WHERE + ".gh.github.api: 'not a url' is not a valid URL",
                WHERE + ".gh.github.owner: 'acme/evil' is not a valid owner name",
                WHERE + ".gh.github.repo: is required",
                WHERE + ".forge.gitea.url: is required"));
    }

    @Test
    void theWhereGivenIsThePrefixOfEveryMessage() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("ops", Map.of("slack", Map.of()));
        assertThatThrownBy(() -> NotificationConfig.parse(value, "infra/driftless.yaml:12: notifications", LOOKUP, ENV))
                .hasMessage("infra/driftless.yaml:12: notifications.ops.slack.url: is required");
    }
}
