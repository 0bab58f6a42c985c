package dev.driftless.web;

import dev.driftless.agent.AgentMetrics;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.agent.AgentStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Prometheus names and series a Flux or Argo CD user would look for. */
class MetricsTest {

    @Test
    void everyMetricIsExposedUnderItsPrometheusName() {
        AgentMetrics metrics = new AgentMetrics();

        metrics.reconcileFinished(Duration.ofMillis(1200), "success");
        metrics.reconcileFinished(Duration.ofMillis(30), "success");
        metrics.reconcileFinished(Duration.ofSeconds(400), "failure");
        metrics.driftedResources("web-1", "notes", 2);
        metrics.applied(Instant.ofEpochSecond(1_746_094_530L));
        metrics.fetchFailed();
        metrics.suspended(true);
        String scrape = metrics.scrape();

        assertThat(scrape)
                .contains("# TYPE driftless_reconcile_duration_seconds histogram")
                .containsPattern("(?m)^driftless_reconcile_duration_seconds_bucket\\{le=\"0\\.05\"} 1(\\.0)?$")
                .containsPattern("(?m)^driftless_reconcile_duration_seconds_bucket\\{le=\"2\\.5\"} 2(\\.0)?$")
                .containsPattern("(?m)^driftless_reconcile_duration_seconds_bucket\\{le=\"300\\.0\"} 2(\\.0)?$")
                .containsPattern("(?m)^driftless_reconcile_duration_seconds_bucket\\{le=\"\\+Inf\"} 3(\\.0)?$")
                .containsPattern("(?m)^driftless_reconcile_duration_seconds_count 3(\\.0)?$")
                .containsPattern("(?m)^driftless_reconcile_total\\{result=\"success\"} 2\\.0$")
                .containsPattern("(?m)^driftless_reconcile_total\\{result=\"failure\"} 1\\.0$")
                .containsPattern("(?m)^driftless_drifted_resources\\{host=\"web-1\",service=\"notes\"} 2\\.0$")
                .containsPattern("(?m)^driftless_last_applied_timestamp_seconds 1\\.74609453E9$")
                .containsPattern("(?m)^driftless_source_fetch_errors_total 1\\.0$")
                .containsPattern("(?m)^driftless_suspended 1\\.0$");
    }

    @Test
    void theHistogramHasBucketsFromFiftyMillisecondsToFiveMinutes() {
        String scrape = new AgentMetrics().scrape();

        for (String le : List.of("0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "120.0",
                "300.0", "+Inf")) {
            assertThat(scrape).contains("driftless_reconcile_duration_seconds_bucket{le=\"" + le + "\"} 0");
        }
        assertThat(scrape).containsPattern("(?m)^driftless_last_applied_timestamp_seconds 0\\.0$")
                .containsPattern("(?m)^driftless_suspended 0\\.0$")
                .containsPattern("(?m)^driftless_source_fetch_errors_total 0\\.0$");
    }

    @Test
    void driftGaugesAreUpdatedAndRemoved() {
        AgentMetrics metrics = new AgentMetrics();

        metrics.driftedResources("web-1", "notes", 2);
        metrics.driftedResources("web-1", "notes", 5);
        metrics.driftedResources("db-1", "postgres", 0);
        assertThat(metrics.scrape())
                .containsPattern("(?m)^driftless_drifted_resources\\{host=\"web-1\",service=\"notes\"} 5\\.0$")
                .containsPattern("(?m)^driftless_drifted_resources\\{host=\"db-1\",service=\"postgres\"} 0\\.0$");

        metrics.removeDriftedResources("web-1", "notes");
        assertThat(metrics.scrape()).doesNotContain("service=\"notes\"").contains("service=\"postgres\"");

        metrics.driftedResources("web-1", "notes", 1);
        assertThat(metrics.scrape())
                .containsPattern("(?m)^driftless_drifted_resources\\{host=\"web-1\",service=\"notes\"} 1\\.0$");
    }

    @Test
    void aStatusSnapshotSetsDriftAndSuspensionAndForgetsWhatIsGone() {
        AgentMetrics metrics = new AgentMetrics();
        metrics.driftedResources("old-host", "gone", 3);

        metrics.observe(WebTestAgent.status(false, List.of(
                WebTestAgent.host("web-1", true, new AgentStatus.ServiceStatus("notes", SyncState.DRIFTED, HealthState.UNKNOWN, 2)),
                WebTestAgent.host("db-1", false, new AgentStatus.ServiceStatus("postgres", SyncState.IN_SYNC, HealthState.UNKNOWN, 0)))));
        String scrape = metrics.scrape();

        assertThat(scrape)
                .doesNotContain("old-host")
                .containsPattern("(?m)^driftless_drifted_resources\\{host=\"web-1\",service=\"notes\"} 2\\.0$")
                .containsPattern("(?m)^driftless_suspended 1\\.0$")
                .containsPattern("(?m)^driftless_host_suspended\\{host=\"web-1\"} 1\\.0$")
                .containsPattern("(?m)^driftless_host_suspended\\{host=\"db-1\"} 0\\.0$")
                .containsPattern("(?m)^driftless_last_applied_timestamp_seconds 1\\.74609453E9$");

        metrics.observe(WebTestAgent.status(false, List.of(
                WebTestAgent.host("db-1", false, new AgentStatus.ServiceStatus("postgres", SyncState.IN_SYNC, HealthState.UNKNOWN, 0)))));
        assertThat(metrics.scrape()).doesNotContain("web-1").containsPattern("(?m)^driftless_suspended 0\\.0$");
    }
}
