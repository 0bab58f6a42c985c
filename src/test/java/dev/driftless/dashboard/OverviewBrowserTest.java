package dev.driftless.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.agent.AgentStatus;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.HttpLimits;
import dev.driftless.web.Listeners;
import dev.driftless.web.WebTestAgent;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The overview in a real browser (Debian's Chromium) against a real agent over a real Git repository. */
class OverviewBrowserTest extends InBrowser {

    private static final String HOSTILE = "<script>alert('commit')</script>";

    @BeforeEach
    void start() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n  edge:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box, edge]\nfiles:\n  - path: /etc/web.conf\n"
                + "    content: \"port 80\\n\"\n");
        repo.write("services/db/service.yaml", "hosts: [box]\ndrift: alert\nfiles:\n  - path: /etc/db.conf\n"
                + "    content: \"shared_buffers 1GB\\n\"\n");
        repo.commit("web and db " + HOSTILE);
        dashboard = DashboardFixture.start(tmp, repo, Clock.systemUTC());
    }

    private Page signedIn(int width, int height) {
        Page page = browser.page(width, height);
        page.navigate(dashboard.url("/"));
        assertThat(page.url()).endsWith("/login");
        page.fill("#token", DashboardFixture.READ);
        page.click("button[type=submit]");
        page.waitForURL(dashboard.url("/"));
        return page;
    }

    @Test
    void afterAnApplyEveryHostAndServiceIsInSyncAndTheHostsSayTheirCommit() {
        Page page = signedIn(1280, 800);

        // box has web and db, edge only web: three cells with a service, one saying the host lacks it
        assertThat(page.locator("td.cell a").count()).isEqualTo(3);
        assertThat(page.locator("td.cell.sync-in-sync").count()).isEqualTo(3);
        assertThat(page.locator("td.cell.sync-absent").innerText()).contains("not on this host");
        assertThat(page.locator("td.cell a .sync").allInnerTexts()).containsOnly("in sync");
        assertThat(page.locator("td.cell a .health").allInnerTexts()).containsOnly("unknown");
        assertThat(page.locator(".attention").innerText()).contains("Nothing");
        assertThat(page.locator("#host-box .commit").innerText()).contains("web and db", "Test", "ago");
        assertThat(page.locator("a[data-host=box][data-service=db]").getAttribute("href"))
                .isEqualTo("/hosts/box/services/db");
    }

    @Test
    void aHandEditTurnsItsCellDriftedWithinASecondWithoutAReload() throws Exception {
        Page page = signedIn(1280, 800);
        page.evaluate("() => { window.notReloaded = true; }");
        dashboard.awaitLiveStreams(1); // the page's stream is open: what follows reaches it as a change
        CountDownLatch drifted = DashboardFixture.whenStatus(dashboard.agent, status -> status.hosts().stream()
                .flatMap(h -> h.services().stream()).anyMatch(s -> s.sync() == SyncState.DRIFTED));

        Files.writeString(dashboard.root.resolve("box/etc/db.conf"), "shared_buffers 8GB\n");
        dashboard.agent.requestDriftCheck("box", "a test edited /etc/db.conf by hand");

        assertThat(drifted.await(60, TimeUnit.SECONDS)).as("the drift check found the edit").isTrue();
        page.waitForFunction("() => document.querySelector('td.sync-drifted a[data-service=db]') !== null", null,
                new Page.WaitForFunctionOptions().setTimeout(1000));
        assertThat(page.locator("td.sync-drifted").innerText()).contains("drifted");
        assertThat(page.locator(".attention").innerText()).contains("box/db", "drifted", "1 resource");
        assertThat(page.evaluate("() => window.notReloaded === true")).isEqualTo(true);
        // the host's row is drifted; its other cells still say their own state, in their own colour
        Object colours = page.evaluate("() => [...document.querySelectorAll('tr.sync-drifted td.sync-in-sync .sync,"
                + " td.sync-drifted .sync')].map(e => e.closest('td').classList.contains('sync-drifted') + ':'"
                + " + getComputedStyle(e).color)");
        assertThat(((java.util.List<?>) colours).stream().map(String::valueOf).filter(c -> c.startsWith("false:"))
                .map(c -> c.substring(6)).distinct().toList()).as("in-sync cells of a drifted row: " + colours)
                .isNotEmpty().doesNotContainAnyElementsOf(((java.util.List<?>) colours).stream().map(String::valueOf)
                        .filter(c -> c.startsWith("true:")).map(c -> c.substring(5)).toList());
    }

    @Test
    void scriptInACommitMessageIsShownAsText() {
        Page page = signedIn(1280, 800);

        assertThat(page.locator("#host-box .commit .message").innerText()).isEqualTo("web and db " + HOSTILE);
        assertThat(page.locator("#board script").count()).isZero();
        assertThat(browser.dialogs).isEmpty();
    }

    @Test
    void scriptInAServiceNameIsShownAsText() {
        // the loader refuses such a name; the dashboard escapes it all the same, so it is given by a second agent
        String name = "<script>alert('service')</script>";
        WebTestAgent hostile = new WebTestAgent(WebTestAgent.status(false, List.of(WebTestAgent.host("box", false,
                new AgentStatus.ServiceStatus(name, SyncState.FAILED, HealthState.DEGRADED, 0)))));
        var tokens = DashboardFixture.tokens(tmp);
        try (AgentServer server = AgentServer.start(Listeners.on("127.0.0.1:0"), hostile, new AgentMetrics(), null,
                Optional.empty(), tokens, HttpLimits.DEFAULTS, Optional.of(Dashboard.of(hostile, tokens)))) {
            Page page = browser.page(1280, 800);
            page.navigate("http://127.0.0.1:" + server.port() + "/login");
            page.fill("#token", DashboardFixture.READ);
            page.click("button[type=submit]");
            page.waitForSelector("table.grid");

            assertThat(page.locator("thead th").allInnerTexts()).contains(name);
            assertThat(page.locator(".attention").innerText()).contains("box/" + name, "failed", "degraded");
            assertThat(page.locator("#board script").count()).isZero();
            assertThat(browser.dialogs).isEmpty();
        }
    }

    @Test
    void at390PixelsWideNothingScrollsSideways() {
        Page page = signedIn(390, 844);

        Object width = page.evaluate("() => document.scrollingElement.scrollWidth");
        assertThat(((Number) width).intValue()).isLessThanOrEqualTo(390);
        assertThat(page.locator("td[data-label=db]").first().isVisible()).isTrue();
    }

    @Test
    void darkModeFollowsTheBrowsersPreference() {
        Page page = signedIn(1280, 800);
        String light = (String) page.evaluate("() => getComputedStyle(document.body).backgroundColor");

        page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
        String dark = (String) page.evaluate("() => getComputedStyle(document.body).backgroundColor");

        assertThat(light).isEqualTo("rgb(255, 255, 255)");
        assertThat(dark).isEqualTo("rgb(13, 17, 23)");
    }

    @Test
    void signingOutReturnsToTheSignInForm() {
        Page page = signedIn(1280, 800);

        page.click("form.logout button");
        page.waitForURL(dashboard.url("/login"));
        page.navigate(dashboard.url("/"));

        assertThat(page.url()).endsWith("/login");
    }
}
