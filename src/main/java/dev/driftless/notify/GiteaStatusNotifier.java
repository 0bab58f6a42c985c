package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
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
        String state = CommitStatuses.state(event.kind());
        if (state == null || event.commit().isEmpty()) {
            LOG.debug("{}: no commit status for {}", name(), event.kind().id());
            return;
        }
        if (!CommitStatuses.isFullId(event.commit())) {
            throw new NotifyException(name() + ": '" + Messages.shortCommit(event.commit())
                    + "' is not a full commit id", false, null);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", state);
        body.put("context", CommitStatuses.context(event));
        body.put("description", CommitStatuses.description(event));
        if (targetUrl != null && !targetUrl.isEmpty()) {
            body.put("target_url", targetUrl);
        }
        post(GitHubStatusNotifier.statuses(url, "/api/v1/repos/" + owner + "/" + repo + "/statuses/" + event.commit()),
                "application/json", json(body), Map.of(
                        "Authorization", "token " + token,
                        "Accept", "application/json"));
    }
}
