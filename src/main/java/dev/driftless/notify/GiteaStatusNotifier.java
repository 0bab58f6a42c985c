package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A commit status on Gitea or Forgejo: {@code POST {url}/api/v1/repos/{owner}/{repo}/statuses/{sha}} with
 * {@code Authorization: token <token>} and {@code {"state","context":"driftless/<host>","description"[,"target_url"]}}.
 * States as for {@link GitHubStatusNotifier}; source unavailable, recovered and events without a commit id get no
 * status.
 */
public final class GiteaStatusNotifier extends HttpNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(GiteaStatusNotifier.class);

    private final URI url;
    private final String owner;
    private final String repo;
    private final String token;
    private final String targetUrl;

    /** @param url the server's base URL, such as {@code https://codeberg.org} or {@code https://git.example.org} */
    public GiteaStatusNotifier(String name, URI url, String owner, String repo, String token, String targetUrl,
                               Duration timeout) {
        super(name, timeout);
        this.url = Objects.requireNonNull(url, "url");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.repo = Objects.requireNonNull(repo, "repo");
        this.token = Objects.requireNonNull(token, "token");
        this.targetUrl = targetUrl;
    }

    @Override
    public void send(Event event) throws NotifyException {
        java.util.Optional<Map<String, Object>> body = CommitStatuses.body(name(), event, targetUrl);
        if (body.isEmpty()) {
            LOG.debug("{}: no commit status for {}", name(), event.kind().id());
            return;
        }
        post(GitHubStatusNotifier.statuses(url, "/api/v1/repos/" + owner + "/" + repo + "/statuses/" + event.commit()),
                "application/json", json(body.get()), Map.of(
                        "Authorization", "token " + token,
                        "Accept", "application/json"));
    }
}
