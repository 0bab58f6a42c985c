package dev.driftless.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A service's page and the dashboard's actions in a real browser (Debian's Chromium) against a real agent over a real
 * Git repository: README, resources, drift diff (a secret's value nowhere), health checks, handlers, history; check
 * now, suspend and resume; a read session's forged POST and a POST without its CSRF token refused.
 */
class ServicePageBrowserTest extends InBrowser {

    private static final String SECRET = "s3cret-value-in-git-41";
    private static final String TYPED = "typed-by-hand-secret-42";
    private static final String PAGE = "/hosts/box/services/web";

    @BeforeEach
    void start() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        // the agent finds its age key where sops keeps it, under the fixture's HOME (tmp)
        Path key = tmp.resolve(".config/sops/age/keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", key.toString());
        assertThat(keygen.exitCode()).as(keygen.err()).isZero();
        String recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                drift: alert
                files:
                  - path: /etc/web.conf
                    content: "port 80\\n"
                    onChange: [announce]
                  - path: /etc/web.token
                    template: web.token.peb
                handlers:
                  announce: echo "web.conf changed on $DRIFTLESS_HOST"
                health:
                  - command: test ! -e "$DRIFTLESS_ROOT/var/broken"
                    successes: 1
                    timeout: 1s
                """);
        repo.write("services/web/web.token.peb", "token = {{ secret('token') }}\n");
        repo.write("services/web/secrets.sops.yaml", "token: " + SECRET + "\n");
        assertThat(Cli.run("secrets", "encrypt", "-i", "--age", recipient,
                repo.dir().resolve("services/web/secrets.sops.yaml").toString()).exitCode()).isZero();
        repo.write("services/web/README.md", """
                # Web server

                Serves the *pages*. See [the runbook](https://example.org/runbook) and [this](javascript:alert('link')).

                <script>alert('readme')</script>

                | path | from |
                |------|------|
                | /etc/web.conf | web.conf.peb |
                """);
        repo.commit("web <script>alert('commit')</script>");
        dashboard = DashboardFixture.start(tmp, repo, Clock.systemUTC());
    }

    private Page signedIn(String token) {
        Page page = browser.page(1280, 900);
        page.navigate(dashboard.url("/login"));
        page.fill("#token", token);
        page.click("button[type=submit]");
        page.waitForURL(dashboard.url("/"));
        page.navigate(dashboard.url(PAGE));
        return page;
    }

    @Test
    void theServicePageShowsItsReadmeResourcesHandlersAndHistory() {
        // an earlier apply of a commit the agent verified, its signer written to look like markup
        java.time.Instant earlier = java.time.Instant.now().minus(java.time.Duration.ofHours(1));
        dashboard.history().record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "0123456789abcdef".repeat(2)
                + "01234567", "Alice <alice@example.org>", "signed change", earlier, earlier.plusSeconds(1),
                Reconcile.Result.SUCCEEDED, null, List.of(new dev.driftless.store.ServiceOutcome("box", "web",
                        dev.driftless.store.ServiceOutcome.Status.APPLIED, null, List.of())))
                .withSigner("<b>alice</b>@example.org (ssh SHA256:x)"));
        Page page = signedIn(DashboardFixture.READ);

        // the README rendered, its raw HTML shown as text and never run, a javascript: link without its address
        assertThat(page.locator(".markdown h1").innerText()).isEqualTo("Web server");
        assertThat(page.locator(".markdown em").innerText()).isEqualTo("pages");
        assertThat(page.locator(".markdown").innerText()).contains("<script>alert('readme')</script>");
        assertThat(page.locator("main script").count()).isZero();
        assertThat(page.locator(".markdown a[href^='https://example.org']").count()).isEqualTo(1);
        assertThat(page.locator(".markdown a[href^='javascript']").count()).isZero();
        assertThat(page.locator(".markdown table td").allInnerTexts()).as("a GitHub table, as a table")
                .containsExactly("/etc/web.conf", "web.conf.peb");
        // the resources, in sync after the apply
        assertThat(page.locator("tr.resource td code").allInnerTexts()).containsExactly("/etc/web.conf",
                "/etc/web.token");
        assertThat(page.locator("tr.resource .state").allInnerTexts()).containsOnly("in sync");
        // the health check passed at the apply; the handler said what it did
        assertThat(page.locator("li.check").innerText()).contains("passed", "test ! -e");
        assertThat(page.locator(".handler").innerText()).contains("announce", "ok", "web.conf changed on box");
        // the history: the apply, its commit's message as text; the earlier one with its signer, as text
        assertThat(page.locator("tr.history-row").count()).isEqualTo(2);
        assertThat(page.locator("tr.history-row").first().innerText()).contains("apply",
                "web <script>alert('commit')</script>", "succeeded");
        assertThat(page.locator("tr.history-row").first().locator(".signer").count()).as("not verified").isZero();
        assertThat(page.locator("tr.history-row").nth(1).locator(".signer").innerText())
                .isEqualTo("signed by <b>alice</b>@example.org (ssh SHA256:x)");
        assertThat(page.locator("tr.history-row b").count()).isZero();
        assertThat(browser.dialogs).isEmpty();
    }

    @Test
    void theHistoryPagesBackTwentyAtATimeWithoutMissingOrRepeatingARow() {
        // 45 older applies of this service, a minute apart, before the agent's own apply of the head
        java.time.Instant first = java.time.Instant.now().minus(java.time.Duration.ofHours(2));
        for (int i = 0; i < 45; i++) {
            java.time.Instant started = first.plus(java.time.Duration.ofMinutes(i));
            dashboard.history().record(new Reconcile(0, Reconcile.Kind.APPLY, "webhook",
                    String.format("%040d", i), "Alice <alice@example.org>", String.format("older apply %02d", i),
                    started, started.plusSeconds(1), Reconcile.Result.SUCCEEDED, null,
                    List.of(new dev.driftless.store.ServiceOutcome("box", "web", dev.driftless.store.ServiceOutcome
                            .Status.APPLIED, null, List.of(), List.of(), HealthState.HEALTHY))));
        }
        Page page = signedIn(DashboardFixture.READ);

        List<String> messages = new java.util.ArrayList<>();
        List<Integer> pageSizes = new java.util.ArrayList<>();
        for (int pages = 0; pages < 10; pages++) {
            List<String> shown = page.locator("tr.history-row td.message").allInnerTexts();
            pageSizes.add(shown.size());
            messages.addAll(shown);
            if (page.locator("a.older").count() == 0) {
                break;
            }
            page.navigate(dashboard.url(page.locator("a.older").getAttribute("href")));
        }

        List<String> expected = new java.util.ArrayList<>(List.of("web <script>alert('commit')</script>"));
        for (int i = 44; i >= 0; i--) {
            expected.add(String.format("older apply %02d", i));
        }
        assertThat(pageSizes).as("20 a page, the rest on the last").containsExactly(20, 20, 6);
        assertThat(messages).as("newest first, each once").containsExactlyElementsOf(expected);
    }

    @Test
    void aHandEditShowsItsDiffAndASecretFileOnlySaysItChanged() throws Exception {
        Page page = signedIn(DashboardFixture.CONTROL);
        dashboard.awaitLiveStreams(1);
        CountDownLatch drifted = DashboardFixture.whenStatus(dashboard.agent, status -> status.hosts().stream()
                .flatMap(h -> h.services().stream()).anyMatch(s -> s.sync() == SyncState.DRIFTED
                        && s.driftedResources() == 2));

        Files.writeString(dashboard.root.resolve("etc/web.conf"), "port 8080\n");
        Files.writeString(dashboard.root.resolve("etc/web.token"), "token = " + TYPED + "\n");
        page.click("button[name=check]");

        assertThat(actionResult(page)).contains("Checking box for drift now", "asked by ops");
        assertThat(drifted.await(60, TimeUnit.SECONDS)).as("a check found both edits").isTrue();
        page.waitForFunction("() => document.querySelectorAll('tr.resource.state-drifted').length === 2", null,
                new Page.WaitForFunctionOptions().setTimeout(5000));
        page.waitForFunction("() => document.querySelectorAll('.drift details.change').length === 2", null,
                new Page.WaitForFunctionOptions().setTimeout(5000));
        assertThat(page.locator(".drift .diff").first().innerText()).contains("-port 8080", "+port 80");  // from the host to the commit
        assertThat(page.locator(".drift").innerText()).contains("/etc/web.token", dev.driftless.render.SecretLines.MASK,
                "drifted");
        String html = page.content();
        assertThat(html).doesNotContain(SECRET, TYPED);
        page.reload();
        assertThat(page.content()).contains(dev.driftless.render.SecretLines.MASK).doesNotContain(SECRET, TYPED);
    }

    @Test
    void checkNowChecksTheHostAtOnceAndTheHistorySaysWhoAsked() throws Exception {
        Page page = signedIn(DashboardFixture.CONTROL);
        dashboard.awaitLiveStreams(1);
        CountDownLatch degraded = DashboardFixture.whenStatus(dashboard.agent, status -> status.hosts().stream()
                .flatMap(h -> h.services().stream()).anyMatch(s -> s.health() == HealthState.DEGRADED));
        // one host: its files are right under the root. Not a managed file: nothing but a check (the drift interval is an hour) notices it
        Files.createDirectories(dashboard.root.resolve("var"));
        Files.writeString(dashboard.root.resolve("var/broken"), "");

        page.click("button[name=check]");

        assertThat(degraded.await(30, TimeUnit.SECONDS)).as("check now ran the health check").isTrue();
        page.waitForFunction("() => document.querySelector('li.check.failed') !== null", null,
                new Page.WaitForFunctionOptions().setTimeout(5000));
        assertThat(page.locator(".summary .health").innerText()).isEqualTo("degraded");
        page.waitForFunction("() => document.querySelectorAll('tr.history-row').length === 2", null,
                new Page.WaitForFunctionOptions().setTimeout(5000));
        assertThat(page.locator("tr.history-row").first().innerText()).contains("drift check", "unhealthy",
                "check now by ops");
        List<Reconcile> recorded = dashboard.history().history(HistoryQuery.latest(1));
        assertThat(recorded.get(0).trigger()).isEqualTo("check now by ops");
    }

    @Test
    void suspendThenResumeAHostSaysWhoDid() {
        Page page = signedIn(DashboardFixture.CONTROL);
        dashboard.awaitLiveStreams(1);

        page.click("button[name=suspend]");

        assertThat(actionResult(page)).isEqualTo("Suspended automatic applies on box (by ops).");
        page.waitForSelector(".summary .badge.suspended");
        assertThat(page.locator(".summary .badge.suspended").innerText()).contains("suspended by ops");
        assertThat(dashboard.agent.status().hosts().get(0).suspendedBy()).contains("ops");

        page.evaluate("() => { document.querySelector('#action-result').textContent = ''; }");
        page.click("button[name=resume]");

        assertThat(actionResult(page)).startsWith("Resumed automatic applies on box (by ops)");
        page.waitForSelector("button[name=suspend]");
        assertThat(page.locator(".summary .badge.suspended").count()).isZero();
        assertThat(dashboard.agent.status().hosts().get(0).suspended()).isFalse();
    }

    @Test
    void rollingBackToAnEarlierHealthyCommitPutsItsFilesBack() throws Exception {
        dashboard.repo.write("services/web/service.yaml", Files.readString(dashboard.repo.dir()
                .resolve("services/web/service.yaml")).replace("port 80", "port 81"));
        dashboard.repo.commit("web: port 81");
        dashboard.agent.requestReconcile("webhook");
        dashboard.awaitCycle("fetch");
        assertThat(dashboard.root.resolve("etc/web.conf")).hasContent("port 81");
        Page page = signedIn(DashboardFixture.CONTROL);
        assertThat(page.locator("tr.history-row").count()).isEqualTo(2);

        page.locator("tr.history-row").last().locator("button[name=rollback]").click();

        assertThat(actionResult(page)).startsWith("Rolling box back to ").contains("(by ops)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(dashboard.root.resolve("etc/web.conf")).equals("port 80\n")) {
            assertThat(System.nanoTime()).as("rolled back within 30 s").isLessThan(deadline);
            dashboard.awaitCycle("fetch");
        }
    }

    @Test
    void aReadSessionSeesNoButtonsAndItsForgedPostIsRefused() {
        Page page = signedIn(DashboardFixture.READ);
        assertThat(page.locator("button[name=check], button[name=suspend], button[name=resume], button[name=rollback]")
                .count()).isZero();
        page.navigate(dashboard.url("/"));
        assertThat(page.locator(".actions button").count()).isZero();
        String csrf = csrf(page);

        APIResponse forged = page.request().post(dashboard.url("/hosts/box/suspend"), RequestOptions.create()
                .setForm(FormData.create().set("csrf", csrf)).setMaxRedirects(0));

        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.text()).contains("read token 'viewer'");
        assertThat(dashboard.agent.status().hosts().get(0).suspended()).isFalse();
    }

    @Test
    void aPostWithoutItsCsrfTokenIsRefused() {
        Page page = signedIn(DashboardFixture.CONTROL);

        APIResponse missing = page.request().post(dashboard.url("/hosts/box/suspend"), RequestOptions.create()
                .setForm(FormData.create().set("back", "/")).setMaxRedirects(0));
        APIResponse wrong = page.request().post(dashboard.url("/suspend"), RequestOptions.create()
                .setForm(FormData.create().set("csrf", "not-the-token")).setMaxRedirects(0));

        assertThat(missing.status()).isEqualTo(403);
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(dashboard.agent.status().suspended()).isFalse();
        assertThat(dashboard.agent.status().hosts().get(0).suspended()).isFalse();
    }

    @Test
    void at390PixelsWideTheServicePageDoesNotScrollSideways() throws Exception {
        Page page = signedIn(DashboardFixture.READ);
        page.setViewportSize(390, 844);
        page.reload();

        Object width = page.evaluate("() => document.scrollingElement.scrollWidth");
        assertThat(((Number) width).intValue()).isLessThanOrEqualTo(390);
        assertThat(page.locator("tr.history-row td[data-label=message]").isVisible()).isTrue();
    }

    @Test
    void aHistoryThatCannotBeReadIsSaidAndTheRestOfThePageShown() throws Exception {
        Page page = signedIn(DashboardFixture.READ);
        dashboard.history().close(); // as a database that went away

        page.reload();

        assertThat(page.locator(".history .problem").innerText()).contains("The history cannot be read now",
                "history database");
        assertThat(page.locator("tr.resource").count()).isEqualTo(2);
        assertThat(page.locator(".markdown h1").innerText()).isEqualTo("Web server");
    }

    @Test
    void anUnknownServiceOrHostIsNotFound() {
        Page page = signedIn(DashboardFixture.READ);

        assertThat(page.navigate(dashboard.url("/hosts/box/services/nope")).status()).isEqualTo(404);
        assertThat(page.locator(".problem").innerText()).contains("no service 'nope' on a host 'box'");
        assertThat(page.navigate(dashboard.url("/hosts/nope/services/web")).status()).isEqualTo(404);
    }

    /** What the last action said, once it said it (5 s at most). */
    private static String actionResult(Page page) {
        page.waitForFunction("() => document.querySelector('#action-result').textContent !== ''", null,
                new Page.WaitForFunctionOptions().setTimeout(5000));
        return page.locator("#action-result").innerText();
    }

    /** The session's CSRF token, as the page gives it to htmx. */
    private static String csrf(Page page) {
        String headers = page.locator("body").getAttribute("hx-headers");
        return headers.replaceAll(".*\"X-CSRF-Token\": \"([^\"]+)\".*", "$1");
    }
}
