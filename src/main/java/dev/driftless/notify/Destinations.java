package dev.driftless.notify;

import dev.driftless.model.Destination;
import dev.driftless.model.Notification;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.model.TextForm;
import dev.driftless.model.ValidationException;
import dev.driftless.secrets.ReferencedValues;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds the notifier of each entry under {@code notifications:}, as the loader validated it, reading the secrets
 * and environment variables it names. This runs at the agent, which has them; a value read is checked for the form
 * its setting needs (a URL, an address), and every problem names where the reference is written, never the value.
 */
public final class Destinations {

    private final String agent;
    private final ReferencedValues values;
    private final List<Problem> problems = new ArrayList<>();

    private Destinations(String agent, Function<String, String> secrets, Map<String, String> env) {
        this.agent = agent;
        this.values = new ReferencedValues(secrets, env);
    }

    /**
     * The rules for {@code notifications}, in the same order.
     *
     * @param agent      the name of the agent they speak for (PagerDuty incidents are the agent's own)
     * @param secrets    a secret of the repository by name; {@code null}, or an exception with a message, when it
     *                   cannot be read
     * @param env        the agent's environment
     * @throws ValidationException listing every reference that cannot be read or whose value has the wrong form
     */
    public static List<NotificationRule> rules(String agent, List<Notification> notifications,
            Function<String, String> secrets, Map<String, String> env) {
        Destinations destinations = new Destinations(agent, secrets, env);
        List<NotificationRule> rules = new ArrayList<>();
        for (Notification notification : notifications) {
            destinations.notifier(notification).ifPresent(notifier -> rules.add(new NotificationRule(
                    notification.name(), notifier, notification.events(), notification.repeat())));
        }
        if (!destinations.problems.isEmpty()) {
            throw new ValidationException(destinations.problems);
        }
        return rules;
    }

    private Optional<Notifier> notifier(Notification notification) {
        String name = notification.name();
        Duration timeout = notification.timeout();
        int before = problems.size();
        // every value is read first, so that all problems are reported; the notifier is built when there are none
        Supplier<Notifier> build;
        Destination destination = notification.destination();
        if (destination instanceof Destination.Slack slack) {
            URI url = url(slack.url());
            build = () -> new SlackNotifier(name, url, timeout);
        } else if (destination instanceof Destination.Discord discord) {
            URI url = url(discord.url());
            build = () -> new DiscordNotifier(name, url, timeout);
        } else if (destination instanceof Destination.Ntfy ntfy) {
            URI url = url(ntfy.url());
            String topic = text(ntfy.topic(), TextForm.NTFY_TOPIC);
            String token = ntfy.token().map(t -> text(t, TextForm.TEXT)).orElse(null);
            build = () -> new NtfyNotifier(name, url, topic, token, timeout);
        } else if (destination instanceof Destination.Webhook webhook) {
            URI url = url(webhook.url());
            String secret = text(webhook.secret(), TextForm.TEXT);
            build = () -> new WebhookNotifier(name, url, secret, timeout);
        } else if (destination instanceof Destination.Email email) {
            String host = text(email.host(), TextForm.TEXT);
            String username = email.login().map(login -> text(login.username(), TextForm.TEXT)).orElse(null);
            String password = email.login().map(login -> text(login.password(), TextForm.TEXT)).orElse(null);
            InternetAddress from = address(email.from());
            List<InternetAddress> to = email.to().stream().map(this::address).toList();
            build = () -> new EmailNotifier(name, host, email.port(), email.tls(), username, password, from, to,
                    timeout);
        } else if (destination instanceof Destination.PagerDuty pager) {
            URI url = url(pager.url());
            String key = text(pager.routingKey(), TextForm.TEXT);
            build = () -> new PagerDutyNotifier(name, url, key, agent, timeout);
        } else {
            Destination.CommitStatus status = (Destination.CommitStatus) destination;
            URI url = url(status.url());
            String owner = text(status.owner(), TextForm.FORGE_NAME);
            String repo = text(status.repo(), TextForm.FORGE_NAME);
            String token = text(status.token(), TextForm.TEXT);
            String target = status.targetUrl().map(t -> text(t, TextForm.HTTP_URL)).orElse(null);
            build = () -> status.forge() == Destination.CommitStatus.Forge.GITHUB
                    ? new GitHubStatusNotifier(name, url, owner, repo, token, target, timeout)
                    : new GiteaStatusNotifier(name, url, owner, repo, token, target, timeout);
        }
        return problems.size() > before ? Optional.empty() : Optional.of(build.get());
    }

    private InternetAddress address(Setting setting) {
        return Optional.ofNullable(text(setting, TextForm.EMAIL_ADDRESS)).flatMap(TextForm::address).orElse(null);
    }

    private URI url(Setting setting) {
        return Optional.ofNullable(text(setting, TextForm.HTTP_URL)).map(URI::create).orElse(null);
    }

    /** The value of a setting, read if it is a reference and checked for {@code form}; {@code null} on a problem. */
    private String text(Setting setting, TextForm form) {
        if (setting instanceof Setting.Text text) {
            return text.value(); // checked by the loader
        }
        Reference reference = (Reference) setting;
        Optional<String> read = values.read(reference, problems);
        if (read.isEmpty()) {
            return null;
        }
        String value = read.get();
        String stripped = value.strip();
        Optional<String> problem = form.problem(stripped, "the value of " + reference.describe());
        problem.ifPresent(message -> problems.add(new Problem(reference.where(), message)));
        return problem.isPresent() ? null : stripped;
    }
}
