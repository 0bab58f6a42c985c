package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drift checks asked for by events and file changes: folded per host, and backed off for a host whose checks keep finding drift. */
class DriftRequestsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private static final DriftRequests.Trigger ENGINE = DriftRequests.Trigger.ENGINE_EVENT;
    private static final DriftRequests.Trigger FILE = DriftRequests.Trigger.FILE_CHANGE;

    @Test
    void requestsForOneHostFoldIntoOneCheckThatSaysTheFirstTriggerAndReason() {
        DriftRequests requests = new DriftRequests(Duration.ofHours(1));
        requests.request("web-1", ENGINE, "container app_web_1 of stack app: kill");
        requests.request("web-1", FILE, "/etc/app/web.conf: modified");
        requests.request("web-2", FILE, "/etc/app/db.conf: deleted");

        assertThat(requests.earliest()).isEqualTo(Instant.MIN);
        assertThat(requests.take(T0)).containsExactly(
                Map.entry("web-1", new DriftRequests.Asked(ENGINE, "container app_web_1 of stack app: kill")),
                Map.entry("web-2", new DriftRequests.Asked(FILE, "/etc/app/db.conf: deleted")));
        assertThat(requests.take(T0)).isEmpty();
        assertThat(requests.earliest()).as("none pending").isEqualTo(Instant.MAX);
    }

    @Test
    void aHostWhoseChecksKeepFindingDriftIsCheckedAgainAfter1Then2Then4SecondsUpToTheDriftInterval() {
        DriftRequests requests = new DriftRequests(Duration.ofSeconds(5));
        Instant now = T0;
        for (long expected : new long[] {1, 2, 4, 5, 5}) {
            requests.checked("web-1", true, now);
            requests.request("web-1", ENGINE, "container app_web_1 of stack app: die");

            assertThat(requests.take(now.plusSeconds(expected).minusMillis(1))).as("before %d s", expected).isEmpty();
            assertThat(requests.earliest()).isEqualTo(now.plusSeconds(expected));
            now = now.plusSeconds(expected);
            assertThat(requests.take(now)).containsOnlyKeys("web-1");
        }
    }

    @Test
    void aPersonsCheckNowSaysWhoAskedAndIsNotHeldBackByABackoff() {
        DriftRequests requests = new DriftRequests(Duration.ofHours(1));
        requests.checked("web-1", true, T0);
        requests.checked("web-1", true, T0);
        requests.request("web-1", FILE, "/etc/app/web.conf: modified");
        DriftRequests.Asked alice = new DriftRequests.Asked(DriftRequests.Trigger.CHECK_NOW, "asked by alice",
                java.util.Optional.of("alice"));
        requests.request("web-1", alice);
        requests.request("web-1", ENGINE, "container app_web_1 of stack app: die");

        Map<String, DriftRequests.Asked> due = requests.take(T0);

        assertThat(due).containsExactly(Map.entry("web-1", alice));
        assertThat(due.get("web-1").recorded()).isEqualTo("check now by alice");
        assertThat(new DriftRequests.Asked(FILE, "x").recorded()).isEqualTo("file change");
    }

    @Test
    void aCheckThatFindsTheHostInSyncEndsTheBackoff() {
        DriftRequests requests = new DriftRequests(Duration.ofHours(1));
        requests.checked("web-1", true, T0);
        requests.checked("web-1", true, T0);
        requests.checked("web-1", false, T0.plusSeconds(1));
        requests.request("web-1", ENGINE, "container app_web_1 of stack app: die");

        assertThat(requests.take(T0.plusSeconds(1))).containsOnlyKeys("web-1");
    }

    @Test
    void theBackoffOfOneHostHoldsBackNoOther() {
        DriftRequests requests = new DriftRequests(Duration.ofHours(1));
        requests.checked("web-1", true, T0);
        requests.request("web-1", ENGINE, "container app_web_1 of stack app: die");
        requests.request("web-2", ENGINE, "container app_web_1 of stack app: die");

        assertThat(requests.take(T0)).containsOnlyKeys("web-2");
        assertThat(requests.earliest()).isEqualTo(T0.plusSeconds(1));
    }
}
