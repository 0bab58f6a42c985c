package dev.driftless.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.report.HealthState;
import dev.driftless.store.Reconcile.Kind;
import dev.driftless.store.Reconcile.Result;
import dev.driftless.store.ServiceOutcome.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every history store does, whatever the database: run by {@link HistoryStoreSqliteTest} and
 * {@link HistoryStorePostgresTest}.
 */
abstract class HistoryStoreContract {

    static final Instant T0 = Instant.parse("2026-11-23T14:00:01.123456789Z");

    private final List<HistoryStore> opened = new ArrayList<>();

    /** The URL of a new, empty database. */
    abstract String newDatabaseUrl() throws Exception;

    HistoryStore open(String url) {
        HistoryStore store = JdbcHistoryStore.open(url);
        opened.add(store);
        return store;
    }

    HistoryStore openFor(String url, String agent) {
        HistoryStore store = JdbcHistoryStore.open(url, agent);
        opened.add(store);
        return store;
    }

    HistoryStore newStore() throws Exception {
        return open(newDatabaseUrl());
    }

    @AfterEach
    void closeStores() {
        opened.forEach(HistoryStore::close);
    }

    static Reconcile apply(String commit, Instant started, Result result, ServiceOutcome... services) {
        return new Reconcile(0, Kind.APPLY, "webhook", commit, "Alice Example <alice@example.org>",
                "Raise worker_processes\n\nThe new box has 8 cores.", started, started.plusMillis(800), result,
                null, List.of(services));
    }

    static ServiceOutcome outcome(String host, String service, Status status, ResourceChange... changes) {
        return new ServiceOutcome(host, service, status, null, List.of(changes));
    }

    static ResourceChange update(String path) {
        return new ResourceChange(path, "update", "pending", "--- " + path + "\n+++ " + path + "\n@@ -1 +1 @@\n-a\n+b\n");
    }

    /** What the store gives back: the new id, and times to the microsecond. */
    static Reconcile stored(Reconcile reconcile, long id) {
        return new Reconcile(id, reconcile.kind(), reconcile.trigger(), reconcile.commit(), reconcile.author(),
                reconcile.message(), reconcile.startedAt().truncatedTo(ChronoUnit.MICROS),
                reconcile.finishedAt().truncatedTo(ChronoUnit.MICROS), reconcile.result(), reconcile.error(),
                reconcile.services()).withSigner(reconcile.signer());
    }

    @Test
    void agentsSharingADatabaseEachResumeFromTheirOwnApplyAndKeepTheirOwnMemory() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore a = openFor(url, "agent-a");
        HistoryStore b = openFor(url, "agent-b");
        a.record(apply("c1", T0, Result.SUCCEEDED));
        b.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED));

        assertThat(a.lastApplied()).map(Reconcile::commit).contains("c1");
        assertThat(b.lastApplied()).map(Reconcile::commit).contains("c2");
        assertThat(open(url).lastApplied()).as("a reader of every agent").map(Reconcile::commit).contains("c2");
        assertThat(open(url).history(HistoryQuery.latest(10).ofAgent("agent-a"))).singleElement()
                .satisfies(r -> {
                    assertThat(r.commit()).isEqualTo("c1");
                    assertThat(r.agent()).isEqualTo("agent-a");
                });

        a.remember("targets", "{\"web-1\":\"c1\"}");
        assertThat(a.recall("targets")).contains("{\"web-1\":\"c1\"}");
        assertThat(b.recall("targets")).as("another agent's memory").isEmpty();
        a.remember("targets", "{\"web-1\":\"c3\"}");
        assertThat(openFor(url, "agent-a").recall("targets")).as("replaced, and kept across opens")
                .contains("{\"web-1\":\"c3\"}");
        assertThatThrownBy(() -> open(url).recall("targets")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anApplyRecordedWithoutAnAgentByAnEarlierVersionIsEveryAgentsToResumeFrom() throws Exception {
        String url = newDatabaseUrl();
        open(url).record(apply("c0", T0, Result.SUCCEEDED));
        assertThat(openFor(url, "agent-a").lastApplied()).map(Reconcile::commit).contains("c0");
    }

    static HistoryQuery query(String host, String service, int limit) {
        return new HistoryQuery(Optional.ofNullable(host), Optional.ofNullable(service), limit);
    }

    @Test
    void aRecordedReconcileIsReadBackAsItWasGiven() throws Exception {
        HistoryStore store = newStore();
        Reconcile reconcile = new Reconcile(99, Kind.APPLY, "webhook", "3f2a9c1d0e4b5a6978877665544332211aabbccd",
                "Zoë Ünicode <zoe@example.org>", "Füge \"TLS\" hinzu; DROP TABLE reconciles; --\n\nzweite Zeile",
                T0, T0.plusMillis(812).plusNanos(999), Result.FAILED, "web-2: handler 'reload nginx' exited 1",
                List.of(new ServiceOutcome("web-1", "nginx", Status.APPLIED, null, List.of(
                                update("/etc/nginx/nginx.conf"),
                                new ResourceChange("/etc/nginx/conf.d", "create", "pending", null),
                                new ResourceChange("/etc/nginx/old.conf", "delete", null, "--- old\n+++ /dev/null\n"))),
                        new ServiceOutcome("web-1", "notes", Status.UNCHANGED, null, List.of()),
                        new ServiceOutcome("web-2", "nginx", Status.FAILED, "handler 'reload nginx' exited 1",
                                List.of(update("/etc/nginx/nginx.conf"))),
                        new ServiceOutcome("db-1", null, Status.FAILED, "cannot connect to db-1:22", null)));

        long id = store.record(reconcile);

        assertThat(id).isPositive().isNotEqualTo(99);
        assertThat(store.history(HistoryQuery.latest(10))).containsExactly(stored(reconcile, id));
    }

    @Test
    void theHandlersAServiceRanAreReadBackWithHowTheyEndedAndTheirOutput() throws Exception {
        HistoryStore store = newStore();
        ServiceOutcome web = new ServiceOutcome("web-1", "nginx", Status.FAILED, "handler reload failed (exit 3)",
                List.of(update("/etc/nginx/nginx.conf")), List.of(
                        new HandlerOutcome("test", true, 0, "ok", "syntax is ok\n"),
                        new HandlerOutcome("reload", false, 3, "failed (exit 3)",
                                "… (earlier output not shown)\nemerg: unknown directive \"Zoë\"\n"),
                        new HandlerOutcome("restart", false, null, "timed out after 5m", "")));
        ServiceOutcome db = new ServiceOutcome("db-1", "postgres", Status.APPLIED, null, List.of(),
                List.of(new HandlerOutcome("reload", true, 0, "ok", "")));
        Reconcile reconcile = apply("c1", T0, Result.FAILED, web, db, outcome("db-1", "notes", Status.UNCHANGED));

        long id = store.record(reconcile);

        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(reconcile, id));
        assertThat(store.history(query("db-1", null, 5)).get(0).services()).containsExactly(db,
                outcome("db-1", "notes", Status.UNCHANGED));
        assertThat(store.history(query(null, "nginx", 5)).get(0).services()).containsExactly(web);
    }

    @Test
    void theHealthEachServiceWasFoundInIsReadBackAndUnknownWhereNoCheckRanIsStoredAsNull() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = open(url);
        ServiceOutcome degraded = new ServiceOutcome("web-1", "app", Status.FAILED,
                "health check http http://127.0.0.1:8080/healthz failed: HTTP 503; rolled back to 3f2a9c1d0e4b",
                List.of(update("/etc/app.conf")), List.of(), HealthState.DEGRADED);
        ServiceOutcome healthy = new ServiceOutcome("web-2", "app", Status.APPLIED, null, List.of(), List.of(),
                HealthState.HEALTHY);
        Reconcile reconcile = apply("c1", T0, Result.FAILED, degraded, healthy, outcome("web-1", "notes",
                Status.UNCHANGED));

        long id = store.record(reconcile);

        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(reconcile, id));
        assertThat(store.history(HistoryQuery.latest(5)).get(0).services()).extracting(ServiceOutcome::health)
                .containsExactly(HealthState.DEGRADED, HealthState.HEALTHY, HealthState.UNKNOWN);
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT health FROM service_outcomes ORDER BY id")) {
            List<String> stored = new ArrayList<>();
            while (rows.next()) {
                stored.add(rows.getString(1));
            }
            // as rows written before health checks have it
            assertThat(stored).containsExactly("DEGRADED", "HEALTHY", null);
        }
    }

    static ServiceImage image(String stack, String composeService, String digest) {
        String repository = "127.0.0.1:5000/" + stack;
        return new ServiceImage(stack, composeService, repository + ":latest", "sha256:" + "0a1b".repeat(16),
                Optional.ofNullable(digest).map(d -> repository + "@sha256:" + d.repeat(64 / d.length())));
    }

    /** An applied service whose stack ran {@code images} when its host was found healthy. */
    static ServiceOutcome withImages(String host, String service, ServiceImage... images) {
        return new ServiceOutcome(host, service, Status.APPLIED, null, List.of(update("/srv/" + service + "/compose.yaml")),
                List.of(), HealthState.HEALTHY, List.of(images));
    }

    @Test
    void theImagesEachServicesStacksRanAreReadBackInOrderAndAMissingDigestIsStoredAsNull() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = open(url);
        ServiceOutcome app = withImages("web-1", "app", image("app", "web", "9f"), image("app", "db", "e4"),
                new ServiceImage("app", "worker", "", "sha256:" + "77".repeat(32), Optional.empty()));
        ServiceOutcome shop = withImages("web-2", "shop", image("shop", "front", "c3"));
        Reconcile reconcile = apply("c1", T0, Result.SUCCEEDED, app, shop, outcome("web-1", "notes", Status.UNCHANGED));

        long id = store.record(reconcile);

        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(reconcile, id));
        assertThat(store.history(query("web-2", null, 5)).get(0).services()).containsExactly(shop);
        assertThat(store.history(query(null, "app", 5)).get(0).services()).singleElement()
                .satisfies(o -> assertThat(o.images()).extracting(ServiceImage::composeService)
                        .containsExactly("web", "db", "worker"));
        assertThat(strings(url, "SELECT compose_service || ' ''' || reference || ''' ' || COALESCE(digest, 'null')"
                + " FROM service_images ORDER BY id")).containsExactly("web '127.0.0.1:5000/app:latest' 127.0.0.1:5000/app@sha256:"
                    + "9f".repeat(32), "db '127.0.0.1:5000/app:latest' 127.0.0.1:5000/app@sha256:" + "e4".repeat(32),
                    "worker '' null", "front '127.0.0.1:5000/shop:latest' 127.0.0.1:5000/shop@sha256:" + "c3".repeat(32));
    }

    /** The first column of each row {@code sql} selects, read over a connection of its own. */
    static List<String> strings(String url, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }

    @Test
    void pruningDeletesTheImagesOfTheReconcilesItDeletesAndKeepsTheOthers() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = openFor(url, "agent-a");
        store.record(apply("c1", T0, Result.SUCCEEDED, withImages("web-1", "app", image("app", "web", "11"))));
        long kept = store.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED,
                withImages("web-1", "app", image("app", "web", "22"))));

        assertThat(store.prune(new HistoryKeep.Newest(1), T0.plusSeconds(2))).isEqualTo(1);

        assertThat(store.history(HistoryQuery.latest(5))).extracting(Reconcile::id).containsExactly(kept);
        assertThat(strings(url, "SELECT digest FROM service_images"))
                .containsExactly("127.0.0.1:5000/app@sha256:" + "22".repeat(32));
    }

    /**
     * A new database whose schema is that of {@code version}, holding one successful apply of {@code commit} by
     * agent-a with web-1/app applied and healthy, as a Driftless of that version would have recorded it.
     */
    static void databaseOfVersion(String url, String version, String commit) throws Exception {
        Flyway.configure(JdbcHistoryStore.class.getClassLoader()).dataSource(url, null, null)
                .locations("classpath:db/migration/" + (url.startsWith("jdbc:sqlite:") ? "sqlite" : "postgresql"))
                .target(version).load().migrate();
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO reconciles (kind, triggered_by, commit_id, author, message, started_at,"
                    + " finished_at, result, error, agent) VALUES ('APPLY', 'poll', '" + commit + "', 'Alice', 'before"
                    + " V" + version + "', "
                    + (url.startsWith("jdbc:sqlite:") ? "'2026-11-23T14:00:01.000000Z', '2026-11-23T14:00:02.000000Z'"
                            : "TIMESTAMPTZ '2026-11-23 14:00:01+00', TIMESTAMPTZ '2026-11-23 14:00:02+00'")
                    + ", 'SUCCEEDED', NULL, 'agent-a')");
            statement.executeUpdate("INSERT INTO service_outcomes (reconcile_id, host, service, status, error, health)"
                    + " SELECT id, 'web-1', 'app', 'APPLIED', NULL, 'HEALTHY' FROM reconciles");
        }
    }

    /** A store opened on a database of an earlier version, and the row that version wrote. */
    record Upgraded(HistoryStore store, Reconcile old) {
    }

    /**
     * Opens for agent-a a database of {@code version} with its one apply ({@link #databaseOfVersion}), checking that
     * the row is read back as it was written.
     */
    Upgraded upgradedFrom(String version) throws Exception {
        String url = newDatabaseUrl();
        databaseOfVersion(url, version, "c" + version);

        HistoryStore store = openFor(url, "agent-a");

        List<Reconcile> history = store.history(HistoryQuery.latest(5));
        assertThat(history).singleElement().satisfies(r -> {
            assertThat(r.commit()).isEqualTo("c" + version);
            assertThat(r.message()).isEqualTo("before V" + version);
            assertThat(r.services()).containsExactly(new ServiceOutcome("web-1", "app", Status.APPLIED, null, List.of(),
                    List.of(), HealthState.HEALTHY));
        });
        return new Upgraded(store, history.get(0));
    }

    @Test
    void aDatabaseOfVersion6IsBroughtUpToDateKeepingItsRowsWhichHaveNoImages() throws Exception {
        HistoryStore store = upgradedFrom("6").store();

        long id = store.record(apply("c7", T0.plusSeconds(60), Result.SUCCEEDED,
                withImages("web-1", "app", image("app", "web", "77"))));
        assertThat(store.history(HistoryQuery.latest(1)).get(0).services().get(0).images())
                .containsExactly(image("app", "web", "77"));
        assertThat(store.lastApplied()).map(Reconcile::id).contains(id);
    }

    static final String ALICE_SSH = "alice@example.org (ssh SHA256:uVY4Rv0K6tWqPfx3K1x8W3o0e7QbKJZ3Q2N4oU8s9Ko)";

    @Test
    void theSignerOfAVerifiedCommitIsReadBackAndAnUnverifiedReconcileHasNone() throws Exception {
        HistoryStore store = newStore();
        Reconcile signed = apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "nginx", Status.APPLIED))
                .withSigner(ALICE_SSH);
        Reconcile refused = apply("c2", T0.plusSeconds(60), Result.FAILED)
                .withSigner("mallory@example.org <script>alert(1)</script>");
        Reconcile unverified = apply("c3", T0.plusSeconds(120), Result.SKIPPED);

        long first = store.record(signed);
        long second = store.record(refused);
        long third = store.record(unverified);

        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(unverified, third),
                stored(refused, second), stored(signed, first));
        assertThat(store.history(HistoryQuery.latest(5))).extracting(Reconcile::signer)
                .containsExactly(null, "mallory@example.org <script>alert(1)</script>", ALICE_SSH);
        assertThat(store.lastApplied()).map(Reconcile::signer).contains(ALICE_SSH);
    }

    @Test
    void aDatabaseOfVersion10IsBroughtUpToDateKeepingItsRowsWhichHaveNoSigner() throws Exception {
        Upgraded upgraded = upgradedFrom("10");
        HistoryStore store = upgraded.store();

        assertThat(upgraded.old().signer()).isNull();
        long id = store.record(apply("c11", T0.plusSeconds(60), Result.SUCCEEDED).withSigner(ALICE_SSH));
        assertThat(store.history(HistoryQuery.latest(5))).extracting(Reconcile::signer).containsExactly(ALICE_SSH, null);
        assertThat(store.lastApplied()).map(Reconcile::id).contains(id);
    }

    @Test
    void aReconcileWithoutCommitOrServicesIsKeptToo() throws Exception {
        HistoryStore store = newStore();
        Reconcile failed = new Reconcile(0, Kind.APPLY, null, null, null, null, T0, T0.plusSeconds(2), Result.FAILED,
                "the repository does not validate (2 problems)", List.of());

        long id = store.record(failed);

        assertThat(store.history(HistoryQuery.latest(1))).containsExactly(stored(failed, id));
    }

    @Test
    void historyIsNewestFirstAndStopsAtTheLimit() throws Exception {
        HistoryStore store = newStore();
        // recorded out of order: the time it started decides, not the order of recording
        long second = store.record(apply("c2", T0.plusSeconds(60), Result.SUCCEEDED));
        long first = store.record(apply("c1", T0, Result.SUCCEEDED));
        long fourth = store.record(apply("c4", T0.plusSeconds(180), Result.NO_CHANGES));
        long third = store.record(apply("c3", T0.plusSeconds(120), Result.FAILED));

        assertThat(store.history(HistoryQuery.latest(20))).extracting(Reconcile::id)
                .containsExactly(fourth, third, second, first);
        assertThat(store.history(HistoryQuery.latest(2))).extracting(Reconcile::commit).containsExactly("c4", "c3");
        assertThat(store.history(HistoryQuery.latest(1))).extracting(Reconcile::id).containsExactly(fourth);
    }

    @Test
    void pagesFollowedByTheirCursorGiveEveryMatchingReconcileOnceNewestFirst() throws Exception {
        HistoryStore store = newStore();
        List<Long> web1 = new ArrayList<>();
        // recorded out of time order, two at the same instant, and some of another host in between
        int[] seconds = {5, 1, 3, 3, 0, 7, 2, 3, 6};
        for (int i = 0; i < seconds.length; i++) {
            String host = i % 3 == 2 ? "web-2" : "web-1";
            long id = store.record(apply("c" + i, T0.plusSeconds(seconds[i]), Result.SUCCEEDED,
                    outcome(host, "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf"))));
            if (host.equals("web-1")) {
                web1.add(id);
            }
        }
        List<Long> whole = store.history(query("web-1", null, 100)).stream().map(Reconcile::id).toList();
        assertThat(whole).containsExactlyInAnyOrderElementsOf(web1);

        List<Long> walked = new ArrayList<>();
        HistoryPage page = store.page(query("web-1", null, 2));
        int pages = 1;
        while (page.next().isPresent() && pages < 10) {
            assertThat(page.reconciles()).hasSize(2);
            page.reconciles().forEach(r -> walked.add(r.id()));
            page = store.page(query("web-1", null, 2).before(page.next().get()));
            pages++;
        }
        page.reconciles().forEach(r -> walked.add(r.id()));

        assertThat(walked).containsExactlyElementsOf(whole);
        assertThat(pages).isEqualTo(3);
        assertThat(store.page(query("web-1", null, 6)).next()).as("exactly full: no next page").isEmpty();
    }

    @Test
    void theAgentFilterKeepsOnlyThatAgentsReconciles() throws Exception {
        String url = newDatabaseUrl();
        openFor(url, "agent-a").record(apply("a1", T0, Result.SUCCEEDED));
        openFor(url, "agent-b").record(apply("b1", T0.plusSeconds(1), Result.SUCCEEDED));
        openFor(url, "agent-a").record(apply("a2", T0.plusSeconds(2), Result.SUCCEEDED));

        assertThat(open(url).history(HistoryQuery.latest(10).ofAgent("agent-a"))).extracting(Reconcile::commit)
                .containsExactly("a2", "a1");
        assertThat(open(url).page(HistoryQuery.latest(1).ofAgent("agent-b"))).satisfies(page -> {
            assertThat(page.reconciles()).extracting(Reconcile::commit).containsExactly("b1");
            assertThat(page.next()).isEmpty();
        });
    }

    static Reconcile driftFound(String commit, Instant started, ServiceOutcome... services) {
        return new Reconcile(0, Kind.DRIFT_CHECK, "drift", commit, "", "", started, started.plusMillis(300),
                Result.DRIFT_FOUND, null, List.of(services));
    }

    static ServiceOutcome drifted(String host, String diff) {
        return new ServiceOutcome(host, "db", Status.DRIFTED, null,
                List.of(new ResourceChange("/etc/db.conf", "update", "drift", diff)));
    }

    @Test
    void anUnchangedOngoingDriftIsOneRowSeenNTimesFromFirstToLast() throws Exception {
        HistoryStore store = openFor(newDatabaseUrl(), "agent-a");
        long first = store.record(driftFound("c1", T0, drifted("db-1", "-a\n+b\n")));
        long again = store.record(driftFound("c1", T0.plusSeconds(300), drifted("db-1", "-a\n+b\n")));
        long third = store.record(driftFound("c1", T0.plusSeconds(600), drifted("db-1", "-a\n+b\n")));

        assertThat(again).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(store.history(HistoryQuery.latest(10))).singleElement().satisfies(r -> {
            assertThat(r.seen()).isEqualTo(3);
            assertThat(r.startedAt()).isEqualTo(T0.truncatedTo(ChronoUnit.MICROS));
            assertThat(r.lastSeenAt()).isEqualTo(T0.plusSeconds(600).truncatedTo(ChronoUnit.MICROS));
        });
    }

    @Test
    void aDriftThatChangesOrComesBackAfterAnApplyIsANewRow() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = openFor(url, "agent-a");
        long first = store.record(driftFound("c1", T0, drifted("db-1", "-a\n+b\n")));
        long otherDiff = store.record(driftFound("c1", T0.plusSeconds(1), drifted("db-1", "-a\n+c\n")));
        long otherHost = store.record(driftFound("c1", T0.plusSeconds(2), drifted("db-2", "-a\n+c\n")));
        long backToDb1 = store.record(driftFound("c1", T0.plusSeconds(3), drifted("db-1", "-a\n+c\n")));
        assertThat(backToDb1).as("db-2's row is newer, but it is not db-1's").isEqualTo(otherDiff);
        store.record(apply("c1", T0.plusSeconds(4), Result.SUCCEEDED, outcome("db-1", "db", Status.UNCHANGED)));
        long afterApply = store.record(driftFound("c1", T0.plusSeconds(5), drifted("db-1", "-a\n+c\n")));
        long otherCommit = store.record(driftFound("c2", T0.plusSeconds(6), drifted("db-1", "-a\n+c\n")));
        long otherAgent = openFor(url, "agent-b").record(driftFound("c2", T0.plusSeconds(7),
                drifted("db-1", "-a\n+c\n")));
        Reconcile healed = new Reconcile(0, Kind.DRIFT_CHECK, "drift", "c2", "", "", T0.plusSeconds(8),
                T0.plusSeconds(9), Result.DRIFT_HEALED, null, List.of(drifted("db-7", "-x\n")));
        long healedOnce = store.record(healed);
        long healedTwice = store.record(healed);

        assertThat(List.of(first, otherDiff, otherHost, afterApply, otherCommit, otherAgent, healedOnce, healedTwice))
                .doesNotHaveDuplicates();
        assertThat(store.history(HistoryQuery.latest(20).ofAgent("agent-a"))).extracting(Reconcile::seen)
                .containsExactly(1, 1, 1, 1, 1, 1, 2, 1);
    }

    @Test
    void pruningByAgeDeletesOnlyOlderRowsOfThisAgentAndNeverTheNewestApplyOfAHost() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = openFor(url, "agent-a");
        Instant now = T0.plusSeconds(100 * 86400);
        long oldWeb1Ok = store.record(apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "nginx", Status.APPLIED)));
        long oldWeb1Failed = store.record(apply("c2", T0.plusSeconds(1), Result.FAILED,
                outcome("web-1", "nginx", Status.FAILED)));
        long oldWeb2Old = store.record(apply("c1", T0.plusSeconds(2), Result.SUCCEEDED,
                outcome("web-2", "nginx", Status.APPLIED)));
        long oldWeb2 = store.record(apply("c2", T0.plusSeconds(3), Result.SUCCEEDED,
                outcome("web-2", "nginx", Status.APPLIED)));
        long oldDrift = store.record(driftFound("c2", T0.plusSeconds(4), drifted("web-2", "-a\n")));
        long stillSeen = store.record(driftFound("c2", T0.plusSeconds(5), drifted("web-3", "-a\n")));
        store.record(driftFound("c2", now.minusSeconds(60), drifted("web-3", "-a\n")));
        long recent = store.record(apply("c3", now.minusSeconds(3600), Result.SUCCEEDED,
                outcome("web-3", "nginx", Status.APPLIED)));
        long otherAgents = openFor(url, "agent-b").record(apply("c0", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED)));

        int deleted = store.prune(new HistoryKeep.Age(java.time.Duration.ofDays(30)), now);

        assertThat(open(url).history(HistoryQuery.latest(20))).extracting(Reconcile::id)
                .containsExactly(recent, stillSeen, oldWeb2, oldWeb1Failed, otherAgents, oldWeb1Ok);
        assertThat(deleted).as("the older apply of web-2 and the old drift").isEqualTo(2);
        assertThat(List.of(oldWeb2Old, oldDrift)).doesNotContainAnyElementsOf(
                open(url).history(HistoryQuery.latest(20)).stream().map(Reconcile::id).toList());
        assertThat(store.lastApplied()).map(Reconcile::id).contains(recent);
        assertThat(store.prune(new HistoryKeep.Age(java.time.Duration.ofDays(30)), now)).isZero();
    }

    @Test
    void pruningByCountKeepsTheNewestReconcilesAndEachHostsNewestApply() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = openFor(url, "agent-a");
        long web1 = store.record(apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "nginx", Status.APPLIED)));
        store.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED, outcome("web-2", "nginx", Status.APPLIED)));
        long web2 = store.record(apply("c3", T0.plusSeconds(2), Result.SUCCEEDED,
                outcome("web-2", "nginx", Status.APPLIED)));
        store.record(driftFound("c3", T0.plusSeconds(3), drifted("web-2", "-a\n")));
        long newest = store.record(driftFound("c3", T0.plusSeconds(4), drifted("web-1", "-b\n")));

        assertThat(store.prune(new HistoryKeep.Newest(1), T0.plusSeconds(5))).isEqualTo(2);

        assertThat(store.history(HistoryQuery.latest(20))).extracting(Reconcile::id)
                .containsExactly(newest, web2, web1);
        assertThatThrownBy(() -> open(url).prune(new HistoryKeep.Newest(1), T0)).as("a store of no agent")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHistoryKeepIsAnAgeOrACount() {
        assertThat(HistoryKeep.parse("90d")).isEqualTo(new HistoryKeep.Age(java.time.Duration.ofDays(90)));
        assertThat(HistoryKeep.parse("12h")).isEqualTo(new HistoryKeep.Age(java.time.Duration.ofHours(12)));
        assertThat(HistoryKeep.parse("5000")).isEqualTo(new HistoryKeep.Newest(5000));
        for (String bad : List.of("0", "-3", "2w", "forever", "")) {
            assertThatThrownBy(() -> HistoryKeep.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("90d");
        }
    }

    @Test
    void anEmptyStoreHasNoHistoryAndNothingApplied() throws Exception {
        HistoryStore store = newStore();

        assertThat(store.history(HistoryQuery.latest(20))).isEmpty();
        assertThat(store.history(query("web-1", "nginx", 20))).isEmpty();
        assertThat(store.lastApplied()).isEmpty();
    }

    @Test
    void theHostFilterKeepsReconcilesThatTouchedTheHostAndOnlyItsServices() throws Exception {
        HistoryStore store = newStore();
        long both = store.record(apply("c1", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf")),
                outcome("web-2", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf")),
                outcome("web-1", "notes", Status.UNCHANGED)));
        store.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED,
                outcome("web-2", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf"))));
        store.record(apply("c3", T0.plusSeconds(2), Result.FAILED));

        List<Reconcile> web1 = store.history(query("web-1", null, 20));

        assertThat(web1).extracting(Reconcile::id).containsExactly(both);
        assertThat(web1.get(0).services()).containsExactly(
                outcome("web-1", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf")),
                outcome("web-1", "notes", Status.UNCHANGED));
        assertThat(store.history(query("web-2", null, 20))).extracting(Reconcile::commit).containsExactly("c2", "c1");
        assertThat(store.history(query("web-3", null, 20))).isEmpty();
        // unfiltered, every reconcile with every service
        assertThat(store.history(HistoryQuery.latest(20))).extracting(r -> r.services().size())
                .containsExactly(0, 1, 3);
    }

    @Test
    void theServiceFilterKeepsReconcilesThatTouchedTheServiceAndOnlyIt() throws Exception {
        HistoryStore store = newStore();
        long first = store.record(apply("c1", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf")),
                outcome("web-1", "notes", Status.APPLIED, update("/etc/notes/notes.env")),
                outcome("web-2", "nginx", Status.UNCHANGED)));
        long second = store.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED,
                outcome("web-1", "notes", Status.APPLIED, update("/etc/notes/notes.env"))));

        List<Reconcile> nginx = store.history(query(null, "nginx", 20));
        assertThat(nginx).extracting(Reconcile::id).containsExactly(first);
        assertThat(nginx.get(0).services()).extracting(ServiceOutcome::host, ServiceOutcome::service)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("web-1", "nginx"),
                        org.assertj.core.groups.Tuple.tuple("web-2", "nginx"));

        List<Reconcile> web1Nginx = store.history(query("web-1", "nginx", 20));
        assertThat(web1Nginx).extracting(Reconcile::id).containsExactly(first);
        assertThat(web1Nginx.get(0).services()).containsExactly(
                outcome("web-1", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf")));

        assertThat(store.history(query(null, "notes", 20))).extracting(Reconcile::id).containsExactly(second, first);
        assertThat(store.history(query("web-2", "notes", 20))).isEmpty();
    }

    @Test
    void theLimitCountsTheReconcilesThatMatchTheFilters() throws Exception {
        HistoryStore store = newStore();
        List<Long> web1 = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String host = i % 2 == 0 ? "web-1" : "web-2";
            long id = store.record(apply("c" + i, T0.plusSeconds(i), Result.SUCCEEDED,
                    outcome(host, "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf"))));
            if (host.equals("web-1")) {
                web1.add(0, id);
            }
        }

        assertThat(store.history(query("web-1", null, 2))).extracting(Reconcile::id)
                .containsExactly(web1.get(0), web1.get(1));
    }

    @Test
    void lastAppliedIsTheNewestSuccessfulApply() throws Exception {
        HistoryStore store = newStore();
        store.record(apply("old", T0, Result.SUCCEEDED));
        Reconcile noChanges = apply("same", T0.plusSeconds(10), Result.NO_CHANGES,
                outcome("web-1", "nginx", Status.UNCHANGED), outcome("web-2", "nginx", Status.UNCHANGED));
        long noChangesId = store.record(noChanges);
        store.record(apply("broken", T0.plusSeconds(20), Result.FAILED,
                outcome("web-1", "nginx", Status.FAILED, update("/etc/nginx/nginx.conf"))));
        store.record(apply("skipped", T0.plusSeconds(25), Result.SKIPPED));
        store.record(new Reconcile(0, Kind.DRIFT_CHECK, "schedule", "same", null, null, T0.plusSeconds(30),
                T0.plusSeconds(31), Result.SUCCEEDED, null,
                List.of(outcome("web-1", "nginx", Status.HEALED, update("/etc/nginx/nginx.conf")))));

        assertThat(store.lastApplied()).contains(stored(noChanges, noChangesId));

        long newer = store.record(apply("new", T0.plusSeconds(40), Result.SUCCEEDED));
        assertThat(store.lastApplied()).map(Reconcile::id).contains(newer);
    }

    @Test
    void driftChecksAreRecordedWithWhatWasFoundAndHealed() throws Exception {
        HistoryStore store = newStore();
        Reconcile check = new Reconcile(0, Kind.DRIFT_CHECK, "schedule", "3f2a9c1d0e4b", null, null, T0,
                T0.plusMillis(300), Result.DRIFT_HEALED, null, List.of(
                        new ServiceOutcome("web-1", "nginx", Status.HEALED, null, List.of(new ResourceChange(
                                "/etc/nginx/nginx.conf", "update", "drift", "-worker_processes 2;\n+worker_processes 8;\n"))),
                        new ServiceOutcome("web-2", "nginx", Status.DRIFTED, null, List.of(new ResourceChange(
                                "/etc/nginx/nginx.conf", "update", "drift", null))),
                        new ServiceOutcome("web-2", "tls", Status.SUSPENDED, null, List.of())));

        long id = store.record(check);

        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(check, id));
        assertThat(store.lastApplied()).isEmpty();
    }

    @Test
    void aSecretLookingDiffIsStoredExactlyAsGiven() throws Exception {
        HistoryStore store = newStore();
        String diff = "--- /etc/notes/notes.env\n+++ /etc/notes/notes.env\n@@ -1 +1 @@\n-API_TOKEN=old-s3cr3t\n"
                + "+API_TOKEN=AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"
                + "\t trailing spaces and tabs \t\n\\n not a newline, 'quotes' \"double\" NUL-free üñí 🔑";
        String masked = "(sensitive content changed)";
        long id = store.record(apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "notes", Status.APPLIED,
                new ResourceChange("/etc/notes/notes.env", "update", "pending", diff),
                new ResourceChange("/etc/notes/secret.env", "update", "pending", masked))));

        List<ResourceChange> changes = store.history(HistoryQuery.latest(1)).get(0).services().get(0).changes();

        assertThat(store.history(HistoryQuery.latest(1))).extracting(Reconcile::id).containsExactly(id);
        assertThat(changes).extracting(ResourceChange::diff).containsExactly(diff, masked);
    }

    @Test
    void aLargeReconcileIsStoredInFull() throws Exception {
        HistoryStore store = newStore();
        List<ServiceOutcome> services = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
            List<ResourceChange> changes = new ArrayList<>();
            for (int c = 0; c < 30; c++) {
                changes.add(update("/srv/s" + s + "/file-" + c));
            }
            services.add(new ServiceOutcome("host-" + (s % 7), "service-" + s, Status.APPLIED, null, changes));
        }
        String bigDiff = "+x\n".repeat(200_000);
        services.add(new ServiceOutcome("host-0", "big", Status.APPLIED, null,
                List.of(new ResourceChange("/srv/big", "create", "pending", bigDiff))));
        Reconcile reconcile = new Reconcile(0, Kind.APPLY, "poll", "c1", null, null, T0, T0.plusSeconds(9),
                Result.SUCCEEDED, null, services);

        long id = store.record(reconcile);

        assertThat(store.history(HistoryQuery.latest(1))).containsExactly(stored(reconcile, id));
    }

    @Test
    void withoutDiffsEveryChangeKeepsItsPathActionAndCauseAndNoDiff() throws Exception {
        HistoryStore store = newStore();
        Reconcile reconcile = apply("c1", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED, update("/etc/nginx/nginx.conf"),
                        new ResourceChange("/etc/nginx/old.conf", "delete", null, "--- old\n+++ /dev/null\n")),
                outcome("web-1", "notes", Status.UNCHANGED));
        long id = store.record(reconcile);

        List<Reconcile> withoutDiffs = store.history(HistoryQuery.latest(5).withoutDiffs());

        assertThat(withoutDiffs).containsExactly(stored(apply("c1", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED,
                        new ResourceChange("/etc/nginx/nginx.conf", "update", "pending", null),
                        new ResourceChange("/etc/nginx/old.conf", "delete", null, null)),
                outcome("web-1", "notes", Status.UNCHANGED)), id));
        assertThat(store.history(HistoryQuery.latest(5))).containsExactly(stored(reconcile, id));
    }

    @Test
    void aStreamedPageComesRowByRowInTheOrderOfTheList() throws Exception {
        HistoryStore store = newStore();
        long first = store.record(apply("c1", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED, update("/a"), update("/b")),
                outcome("web-2", "nginx", Status.UNCHANGED),
                outcome("web-2", "notes", Status.APPLIED, update("/c"))));
        long second = store.record(apply("c2", T0.plusSeconds(1), Result.FAILED));
        long third = store.record(apply("c3", T0.plusSeconds(2), Result.SUCCEEDED,
                outcome("web-2", "nginx", Status.APPLIED, update("/d"))));
        List<String> rows = new ArrayList<>();

        store.history(query("web-2", null, 10).withoutDiffs(), new HistoryRows() {
            @Override
            public void reconcile(Reconcile reconcile) {
                rows.add("reconcile " + reconcile.commit() + " " + reconcile.services().size());
            }

            @Override
            public void service(ServiceOutcome outcome) {
                rows.add("  service " + outcome.host() + "/" + outcome.service() + " " + outcome.changes().size());
            }

            @Override
            public void change(ResourceChange change) {
                rows.add("    change " + change.path() + " " + change.diff());
            }
        });

        assertThat(rows).containsExactly(
                "reconcile c3 0", "  service web-2/nginx 0", "    change /d null",
                "reconcile c1 0", "  service web-2/nginx 0", "  service web-2/notes 0", "    change /c null");
        assertThat(store.history(HistoryQuery.latest(10))).extracting(Reconcile::id)
                .containsExactly(third, second, first);
    }

    @Test
    void whileReadingsAreStreamedToSlowReadersTheAgentCanStillRecord() throws Exception {
        JdbcHistoryStore store = (JdbcHistoryStore) newStore();
        store.record(apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "nginx", Status.APPLIED, update("/a"))));
        int readers = store.readingsAtOnce() + 2;
        CountDownLatch inside = new CountDownLatch(store.readingsAtOnce());
        CountDownLatch slowReadersGoOn = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(readers + 1);
        try {
            List<Future<Integer>> readings = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                readings.add(threads.submit(() -> {
                    List<Reconcile> seen = new ArrayList<>();
                    store.history(HistoryQuery.latest(5), new HistoryRows() {
                        @Override
                        public void reconcile(Reconcile reconcile) {
                            seen.add(reconcile);
                            inside.countDown();
                            await(slowReadersGoOn);
                        }

                        @Override
                        public void service(ServiceOutcome outcome) {
                        }

                        @Override
                        public void change(ResourceChange change) {
                        }
                    });
                    return seen.size();
                }));
            }
            assertThat(inside.await(20, TimeUnit.SECONDS)).as("readers inside").isTrue();

            Future<Long> recording = threads.submit(() -> store.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED)));
            assertThat(recording.get(10, TimeUnit.SECONDS)).isPositive();

            slowReadersGoOn.countDown();
            for (Future<Integer> reading : readings) {
                assertThat(reading.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
            }
        } finally {
            slowReadersGoOn.countDown();
            threads.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the reader go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anInvalidReconcileIsRefusedAndNothingIsStored() throws Exception {
        HistoryStore store = newStore();
        Reconcile noResult = new Reconcile(0, Kind.APPLY, null, "c1", null, null, T0, T0, null, null, List.of());
        Reconcile noPath = apply("c2", T0, Result.SUCCEEDED,
                outcome("web-1", "nginx", Status.APPLIED, new ResourceChange(null, "update", null, null)));

        assertThatThrownBy(() -> store.record(noResult)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("result");
        assertThatThrownBy(() -> store.record(noPath)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("web-1/nginx");
        assertThat(store.history(HistoryQuery.latest(5))).isEmpty();
    }

    @Test
    void migrationsRunOnceAndTheHistoryOutlivesTheStore() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore first = open(url);
        long id = first.record(apply("c1", T0, Result.SUCCEEDED, outcome("web-1", "nginx", Status.APPLIED)));
        first.close();

        HistoryStore second = open(url);
        HistoryStore third = open(url);

        assertThat(second.history(HistoryQuery.latest(5))).extracting(Reconcile::id).containsExactly(id);
        assertThat(third.lastApplied()).map(Reconcile::id).contains(id);
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT version, success FROM flyway_schema_history ORDER BY installed_rank")) {
            List<String> migrations = new ArrayList<>();
            while (rows.next()) {
                migrations.add(rows.getString(1) + ":" + rows.getBoolean(2));
            }
            assertThat(migrations).containsExactly("1:true", "3:true", "4:true", "5:true", "6:true", "7:true", "8:true", "9:true",
                    "10:true", "11:true");
        }
    }

    @Test
    void twoStoresOnOneDatabaseSeeEachOthersRecords() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore agent = open(url);
        HistoryStore reader = open(url);

        long first = agent.record(apply("c1", T0, Result.SUCCEEDED));
        assertThat(reader.history(HistoryQuery.latest(5))).extracting(Reconcile::id).containsExactly(first);
        long second = reader.record(apply("c2", T0.plusSeconds(1), Result.SUCCEEDED));
        assertThat(agent.history(HistoryQuery.latest(5))).extracting(Reconcile::id).containsExactly(second, first);
    }

    @Test
    void aValueFromANewerVersionIsAClearError() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore store = open(url);
        store.record(apply("c1", T0, Result.SUCCEEDED));
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE reconciles SET result = 'ROLLED_BACK'");
        }

        assertThatThrownBy(() -> store.history(HistoryQuery.latest(5)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("unknown result 'ROLLED_BACK'")
                .hasMessageContaining("newer Driftless")
                .hasMessageNotContaining(HistoryPostgres.PASSWORD);
    }

    @Test
    void anUnsupportedUrlIsRefusedWithoutItsPassword() {
        assertThatThrownBy(() -> JdbcHistoryStore.open("jdbc:mysql://db.example.org/history?user=a&password=Sup3r-S3cret"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("unsupported history store URL")
                .hasMessageContaining("jdbc:mysql://db.example.org/history?user=a&password=***")
                .hasMessageContaining("jdbc:sqlite:")
                .hasMessageContaining("jdbc:postgresql:")
                .hasMessageNotContaining("Sup3r-S3cret");
    }

    @Test
    void theFleetListsEveryAgentSharingTheDatabaseWithWhatItPublishedLast() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore edge = openFor(url, "edge-1");
        HistoryStore core = openFor(url, "core-1");
        edge.publish("{\"agent\":\"edge-1\",\"hosts\":[]}", Optional.of("https://edge-1:9090"), Duration.ofMinutes(1));
        core.publish("{\"agent\":\"core-1\",\"hosts\":[]}", Optional.empty(), Duration.ofMinutes(1));
        edge.publish("{\"agent\":\"edge-1\",\"hosts\":[\"web-1\"]}", Optional.of("https://edge-1:9443"),
                Duration.ofSeconds(30));

        List<FleetMember> fleet = open(url).members();

        assertThat(fleet).extracting(FleetMember::agent).containsExactly("core-1", "edge-1");
        FleetMember edgeSeen = fleet.get(1);
        assertThat(edgeSeen.status()).isEqualTo("{\"agent\":\"edge-1\",\"hosts\":[\"web-1\"]}");
        assertThat(edgeSeen.advertisedUrl()).contains("https://edge-1:9443");
        assertThat(edgeSeen.heartbeat()).isEqualTo(Duration.ofSeconds(30));
        assertThat(edgeSeen.stale()).isFalse();
        assertThat(fleet.get(0).advertisedUrl()).isEmpty();
        // seen by the database's clock, which is this machine's here
        assertThat(edgeSeen.lastSeen()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(edgeSeen.readAt()).isAfterOrEqualTo(edgeSeen.lastSeen());
    }

    @Test
    void anAgentThatMissesThreeHeartbeatsIsStaleAndFreshAgainWhenItPublishes() throws Exception {
        String url = newDatabaseUrl();
        HistoryStore edge = openFor(url, "edge-1");
        HistoryStore reader = open(url);
        Duration heartbeat = Duration.ofMillis(100);
        long published = System.nanoTime();
        edge.publish("{}", Optional.empty(), heartbeat);

        FleetMember seen = reader.members().get(0);
        assertThat(seen.stale()).as("fresh when just published").isFalse();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!seen.stale() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling pace
            seen = reader.members().get(0);
        }

        assertThat(seen.stale()).as("stale within 30 s").isTrue();
        // (SQLite's clock keeps milliseconds: a few may be lost when it is read)
        assertThat(Duration.ofNanos(System.nanoTime() - published)).as("not before three heartbeats")
                .isGreaterThan(heartbeat.multipliedBy(FleetMember.MISSED_HEARTBEATS).minusMillis(5));
        edge.publish("{}", Optional.empty(), heartbeat);
        assertThat(reader.members().get(0).stale()).isFalse();
    }

    @Test
    void publishingNeedsAnAgent() throws Exception {
        HistoryStore store = newStore();

        assertThatThrownBy(() -> store.publish("{}", Optional.empty(), Duration.ofSeconds(30)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("opened for no agent");
        assertThat(store.members()).isEmpty();
    }
}
