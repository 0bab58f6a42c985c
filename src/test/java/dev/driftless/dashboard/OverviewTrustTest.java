package dev.driftless.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.driftless.agent.AgentStatus;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The overview of an agent that verifies signatures, from the status it publishes: the commit each host is at with
 * who signed it, and a refused commit (untrusted, or a step back on one host) first in "needs attention". Signers come
 * from trust files, not from a pusher, but are escaped like everything else.
 */
class OverviewTrustTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final String SIGNED = "0123456789abcdef0123456789abcdef01234567";
    private static final String REFUSED = "fedcba9876543210fedcba9876543210fedcba98";
    private static final String OLD = "00112233445566778899aabbccddeeff00112233";

    private static AgentStatus.HostStatus host(String name, Optional<AgentStatus.RewindRefused> refused) {
        return new AgentStatus.HostStatus(name, false, Optional.empty(), Optional.of(SIGNED), SyncState.IN_SYNC,
                List.of(new AgentStatus.ServiceStatus("web", SyncState.IN_SYNC, HealthState.HEALTHY, 0)),
                Optional.empty(), refused);
    }

    private static AgentStatus status(Optional<AgentStatus.Untrusted> untrusted, List<AgentStatus.HostStatus> hosts) {
        return new AgentStatus(AgentStatus.FORMAT_VERSION, "core-1", "git://127.0.0.1/infra", "main", "ok",
                Optional.empty(), Optional.of(SIGNED), Optional.of(NOW), Optional.of(REFUSED), Optional.empty(),
                Optional.empty(), false, false, hosts, Optional.of(NOW), Optional.empty(), List.of(
                        new AgentStatus.Commit(SIGNED, "Alice", "Raise workers", Optional.of(NOW.minusSeconds(60)),
                                Optional.of("<b>alice</b>@example.org (ssh SHA256:x)"))),
                true, untrusted);
    }

    private static String board(Overview overview) {
        return new Templates().render("dashboard/board.jte", Map.of("overview", overview, "mayControl", false));
    }

    @Test
    void eachHostSaysWhoSignedTheCommitItIsAtAsText() {
        Overview overview = Overview.of(status(Optional.empty(), List.of(host("box", Optional.empty()))), NOW);

        assertThat(overview.rows()).singleElement().satisfies(row -> assertThat(row.commit()).get()
                .extracting(Overview.CommitLine::signer).isEqualTo("<b>alice</b>@example.org (ssh SHA256:x)"));
        assertThat(overview.attention()).isEmpty();
        assertThat(board(overview)).contains("<span class=\"signer\">signed by &lt;b&gt;alice&lt;/b&gt;@example.org"
                + " (ssh SHA256:x)</span>").doesNotContain("<b>alice");
    }

    @Test
    void anUntrustedCommitAndAStepBackAreTheFirstThingsThatNeedAttention() {
        AgentStatus.Untrusted untrusted = new AgentStatus.Untrusted(REFUSED, "key-not-allowed",
                Optional.of("mallory@example.org"), "the key SHA256:m is not allowed for mallory@example.org"
                + " in /etc/driftless/allowed_signers", NOW.minus(Duration.ofMinutes(5)));
        AgentStatus.RewindRefused stepBack = new AgentStatus.RewindRefused(OLD, SIGNED, "commit 001122334455 does not"
                + " descend from 0123456789ab, the newest commit applied there", NOW.minusSeconds(30));
        AgentStatus status = status(Optional.of(untrusted),
                List.of(host("box", Optional.empty()), host("web-2", Optional.of(stepBack))));

        Overview overview = Overview.of(status, NOW);

        assertThat(overview.attention()).extracting(Overview.Attention::subject, Overview.Attention::state)
                .containsExactly(tuple("source", "untrusted"), tuple("web-2", "rewind-refused"));
        assertThat(overview.attention().get(0).detail()).isEqualTo("commit fedcba987654 refused 5 min ago, not signed"
                + " by a trusted key (key-not-allowed, key of mallory@example.org): the key SHA256:m is not allowed for"
                + " mallory@example.org in /etc/driftless/allowed_signers; the hosts keep their commit");
        assertThat(overview.attention().get(1).detail()).isEqualTo("refused 001122334455 as a step back 30 s ago:"
                + " commit 001122334455 does not descend from 0123456789ab, the newest commit applied there; to apply"
                + " it anyway, once: driftless allow-rewind --to 001122334455");
        assertThat(board(overview)).contains("class=\"state-untrusted\"", "class=\"state-rewind-refused\"",
                "href=\"#host-web-2\"");
    }
}
