import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The browser of bench/dashboard-run.sh: Debian's Chromium, driven by Playwright, signs in to the agent's dashboard
 * with a token and keeps the overview open (with its live stream, /events) for SECONDS, as a team's wall screen would.
 * It counts the boards the stream delivers (htmx's {@code htmx:sseMessage}) and the times the stream opened
 * ({@code htmx:sseOpen}: more than one means it was reconnected), and prints every 30 s and at the end:
 * "browser SECONDS_ELAPSED boards N opens N hosts N" (hosts: the host rows the page shows).
 *
 *   java -cp PLAYWRIGHT_CLASSPATH bench/DashboardBrowser.java BASE_URL TOKEN SECONDS HOST_TO_FIND
 */
public final class DashboardBrowser {

    private static final String COUNTERS = "window.__boards = 0; window.__opens = 0;"
            + " document.addEventListener('htmx:sseMessage', () => window.__boards++, true);"
            + " document.addEventListener('htmx:sseOpen', () => window.__opens++, true);";

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String token = args[1];
        long seconds = Long.parseLong(args[2]);
        String host = args[3];
        try (Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(Path.of("/usr/bin/chromium")).setHeadless(true)
                        .setArgs(List.of("--no-sandbox")))) {
            Page page = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900)).newPage();
            page.addInitScript(COUNTERS);
            page.navigate(base + "/login");
            page.fill("#token", token);
            page.click("button[type=submit]");
            page.waitForURL(base + "/");
            page.getByText(host).first().waitFor();
            long start = System.nanoTime();
            long next = 0;
            while (true) {
                long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
                if (elapsed >= next || elapsed >= seconds) {
                    System.out.printf("browser %d boards %s opens %s hosts %d%n", elapsed,
                            page.evaluate("window.__boards"), page.evaluate("window.__opens"),
                            page.getByText(host).count());
                    System.out.flush();
                    next += 30;
                }
                if (elapsed >= seconds) {
                    return;
                }
                page.waitForTimeout(1_000); // lets Playwright deliver the page's events meanwhile
            }
        }
    }
}
