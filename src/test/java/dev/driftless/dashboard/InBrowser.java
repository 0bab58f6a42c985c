package dev.driftless.dashboard;

import dev.driftless.testing.Browser;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dashboard's browser tests share: one Chromium for the class, a temporary folder per test, and the agent
 * each test starts in it ({@link #dashboard}, stopped after the test).
 */
abstract class InBrowser {

    static Browser browser;

    @TempDir
    Path tmp;

    DashboardFixture dashboard;

    @BeforeAll
    static void launch() {
        browser = Browser.launch();
    }

    @AfterAll
    static void quit() {
        browser.close();
    }

    @AfterEach
    void stop() throws Exception {
        if (dashboard != null) {
            dashboard.close();
        }
    }
}
