package dev.driftless.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.store.FleetMember;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The other agents of a shared history database on the overview: their hosts as they published them, linked to
 * their own dashboards when they said where it is and read-only otherwise, stale ones marked, and what they
 * published escaped like everything else (another agent's repository is another team's input).
 */
class FleetViewTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

    private static FleetMember member(String agent, String status, Optional<String> url, Duration ago) {
        return new FleetMember(agent, status, url, Duration.ofSeconds(30), NOW.minus(ago), NOW);
    }

    private static final String EDGE = """
            {"formatVersion":1,"agent":"edge-1","hosts":[{"host":"edge-1","suspended":false,"appliedCommit":
            "0123456789abcdef0123","sync":"drifted","services":[{"service":"nginx","sync":"drifted","health":"healthy",
            "driftedResources":1},{"service":"<script>alert(1)</script>","sync":"in-sync","health":"unknown",
            "driftedResources":0}]}]}""";

    private static String board(List<FleetView> others, String problem) {
        Overview own = new Overview("core-1", new Overview.SourceLine("repo", "main", true, "fetched 1 s ago", ""),
                List.of(), List.of(), List.of(), false).withFleet(others, problem);
        return new Templates().render("dashboard/board.jte", Map.of("overview", own, "mayControl", false));
    }

    @Test
    void anotherAgentsHostsAreShownWithLinksToItsOwnDashboardAndThisAgentIsLeftOut() {
        List<FleetView> others = FleetView.of(List.of(member("core-1", "{}", Optional.empty(), Duration.ZERO),
                member("edge-1", EDGE, Optional.of("https://edge-1:9090"), Duration.ofSeconds(12))), "core-1", NOW);

        assertThat(others).extracting(FleetView::agent).containsExactly("edge-1");
        String html = board(others, "");
        assertThat(html).contains("Other agents", "edge-1", "last seen 12 s ago", "0123456789ab",
                "href=\"https://edge-1:9090/hosts/edge-1/services/nginx\"", "drifted")
                .doesNotContain("stale:").doesNotContain("read-only here");
        assertThat(html).as("a service name is text, never markup").doesNotContain("<script>alert(1)</script>")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    @Test
    void anAgentWithoutAnAddressIsReadOnlyAndOneThatMissedThreeHeartbeatsIsStale() {
        String html = board(FleetView.of(List.of(member("edge-1", EDGE, Optional.empty(), Duration.ofSeconds(91))),
                "core-1", NOW), "");

        assertThat(html).contains("read-only here", "stale: missed 3 heartbeats", "last seen 1 min ago")
                .doesNotContain("href=\"https://");
    }

    @Test
    void aDamagedDocumentOrAnUnreadableDatabaseIsSaidNotHidden() {
        assertThat(board(FleetView.of(List.of(member("edge-1", "not json {", Optional.empty(), Duration.ZERO)),
                "core-1", NOW), "")).contains("edge-1", "its published status could not be read");
        assertThat(board(List.of(), FleetView.problem(new dev.driftless.store.StoreException("connection refused",
                null)))).contains("the other agents cannot be shown", "connection refused");
        assertThat(board(List.of(), "")).as("one agent alone: no section").doesNotContain("Other agents");
    }
}
