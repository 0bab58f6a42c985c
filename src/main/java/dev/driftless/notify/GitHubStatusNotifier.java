package dev.driftless.notify;

import dev.driftless.model.Destination;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A commit status on GitHub: {@code POST {api}/repos/{owner}/{repo}/statuses/{sha}} with
 * {@code {"state","context":"driftless/<host>","description"[,"target_url"]}}. States: {@code success} for
 * applied and drift healed, {@code failure} for failed, untrusted commit, rewind refused and drift found; source
 * unavailable and recovered (not about a commit) and an event without a commit id get no status. The description
 * names the commit's signer when the agent verified it.
 */
public final class GitHubStatusNotifier extends HttpNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(GitHubStatusNotifier.class);

    private final URI api;
    private final String owner;
    private final String repo;
    private final String token;
    private final String targetUrl;

    /**
     * @param api       the API's base URL: {@code https://api.github.com}, or {@code https://ghe.example.org/api/v3}
     * @param targetUrl a link shown with the status (a dashboard), or {@code null}
     */
    public GitHubStatusNotifier(String name, URI api, String owner, String repo, String token, String targetUrl,
                                Duration timeout) {
        super(name, timeout);
        this.api = api == null ? URI.create(Destination.CommitStatus.GITHUB_API) : api;
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
        post(statuses(api, "/repos/" + owner + "/" + repo + "/statuses/" + event.commit()), "application/json",
                json(body.get()), Map.of(
                        "Authorization", "Bearer " + token,
                        "Accept", "application/vnd.github+json",
                        "X-GitHub-Api-Version", "2022-11-28"));
    }

    static URI statuses(URI base, String path) {
        String root = base.toString();
        while (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        return URI.create(root + path);
    }
}
