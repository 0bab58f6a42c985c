package dev.driftless.dashboard;

import com.microsoft.playwright.Page;
import dev.driftless.report.SyncState;
import dev.driftless.testing.Browser;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the dashboard's screenshots in docs/images (the overview at 1280 and 390 px wide, nginx's service page at
 * 1280) from the bundled examples/homelab repository applied by a real agent, with a hand edit on db-1 so that
 * something needs attention. Not a test: its name keeps it out of the normal run, as it writes into docs/. Run it
 * with {@code mvn -o test -Dtest=DashboardScreenshots} after changing what the pages look like.
 */
class DashboardScreenshots {

    @TempDir
    Path tmp;

    @Test
    void writeTheScreenshotsInDocs() throws Exception {
        Path docs = Path.of("docs/images");
        Files.createDirectories(docs);
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        copy(Path.of("examples/homelab"), repo.dir());
        // the example's demo key decrypts its secrets; the agent finds it where sops keeps keys, under HOME (tmp)
        Path key = tmp.resolve(".config/sops/age/keys.txt");
        Files.createDirectories(key.getParent());
        Files.copy(Path.of("examples/demo-age-key.txt"), key);
        repo.commit("nginx: serve robots.txt and cache static pages for a day");
        try (Browser browser = Browser.launch(); DashboardFixture dashboard = DashboardFixture.start(tmp, repo,
                Clock.systemUTC())) {
            var drifted = DashboardFixture.whenStatus(dashboard.agent, status -> status.hosts().stream()
                    .flatMap(h -> h.services().stream()).anyMatch(s -> s.sync() == SyncState.DRIFTED));
            // someone opened the database to the world by hand: postgres says drift: alert, so it stays drifted
            Path pgHba = dashboard.root.resolve("db-1/etc/postgresql/15/main/pg_hba.conf");
            Files.writeString(pgHba, Files.readString(pgHba) + "host all all 0.0.0.0/0 trust\n");
            dashboard.agent.checkNow("db-1", "alice");
            if (!drifted.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the hand edit on db-1 was not found within 30 s");
            }
            shoot(browser, dashboard, "/", 1280, 800, docs.resolve("dashboard-overview.png"));
            shoot(browser, dashboard, "/", 390, 844, docs.resolve("dashboard-overview-phone.png"));
            shoot(browser, dashboard, "/hosts/db-1/services/postgres", 1280, 800,
                    docs.resolve("dashboard-service.png"));
        }
    }

    private static void shoot(Browser browser, DashboardFixture dashboard, String path, int width, int height,
            Path file) {
        Page page = browser.page(width, height);
        page.navigate(dashboard.url("/login"));
        page.fill("#token", DashboardFixture.CONTROL);
        page.click("button[type=submit]");
        page.waitForURL(dashboard.url("/"));
        page.navigate(dashboard.url(path));
        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
