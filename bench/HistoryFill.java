import dev.driftless.report.HealthState;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The history of bench/dashboard-run.sh: writes COUNT reconciles of one agent, as a fleet of HOSTS x SERVICES would
 * have left them over DAYS days ending an hour ago, deterministically (a fixed seed). The newest RECORDED go through
 * the store's own code ({@link JdbcHistoryStore#record}: Flyway's schema, one transaction each, the drift-repeat
 * check), which costs ~3 ms of CPU each on a small history and seconds for a drift found and left alone on SQLite at
 * 100,000 (the drift-repeat check walks all of the agent's drift checks); the older ones are
 * written first, in the same columns with the same values, as batched inserts of a few thousand rows per transaction
 * into the schema Flyway made, so that 100,000 take a minute instead of a quarter of an hour. One reconcile in APPLY_EVERY is an
 * apply of the next commit of COMMITS (lines "sha TAB author TAB subject", oldest first, as `git log --reverse`
 * prints them) with an outcome for every host and service (the commit's service applied with a diff on every host,
 * the rest unchanged; some fail on a host, some change nothing); the others are what drift checks record (a heal, a
 * drift left alone, a service turning degraded or healthy again, a host that failed), on one host, the busier hosts
 * and services more often. The last reconcile is a successful apply of the last commit.
 *
 *   java -cp driftless.jar bench/HistoryFill.java URL AGENT COMMITS COUNT RECORDED HOSTS SERVICES APPLY_EVERY DAYS
 *
 * Prints the counts written ("reconciles N outcomes N changes N applies N seconds S") on its last line.
 */
public final class HistoryFill {

    private static final String[] DRIFT_TRIGGERS = {"schedule", "file change", "file change", "engine event"};

    private record Commit(String sha, String author, String subject) {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String agent = args[1];
        List<Commit> commits = Files.readAllLines(Path.of(args[2])).stream().filter(l -> !l.isBlank())
                .map(l -> l.split("\t", 3)).map(f -> new Commit(f[0], f[1], f[2])).toList();
        int count = Integer.parseInt(args[3]);
        int recorded = Math.min(count, Integer.parseInt(args[4]));
        int hosts = Integer.parseInt(args[5]);
        int services = Integer.parseInt(args[6]);
        int applyEvery = Integer.parseInt(args[7]);
        Duration span = Duration.ofDays(Long.parseLong(args[8]));

        Random random = new Random(13);
        Instant end = Instant.now().minus(Duration.ofHours(1));
        Instant start = end.minus(span);
        long step = span.toMillis() / count;
        int applies = (count + applyEvery - 1) / applyEvery;
        long outcomes = 0;
        long changes = 0;
        long began = System.nanoTime();
        try (JdbcHistoryStore store = JdbcHistoryStore.open(url, agent);
                Bulk bulk = new Bulk(url, agent)) {
            Commit current = commits.get(0);
            int applied = 0;
            for (int i = 0; i < count; i++) {
                Instant at = start.plusMillis(i * step + random.nextInt((int) Math.max(1, step / 2)));
                boolean last = i == count - 1;
                Reconcile reconcile;
                if (last || i % applyEvery == applyEvery - 1) {
                    // the commits in order, the last apply on the last commit (the one the agent resumes from)
                    current = last ? commits.get(commits.size() - 1)
                            : commits.get(Math.min(commits.size() - 2, (int) ((long) applied * commits.size() / applies)));
                    applied++;
                    reconcile = apply(random, current, at, hosts, services, last);
                } else {
                    reconcile = driftCheck(random, current, at, hosts, services);
                }
                if (i < count - recorded) {
                    bulk.add(reconcile);
                } else {
                    bulk.close();
                    store.record(reconcile);
                }
                outcomes += reconcile.services().size();
                changes += reconcile.services().stream().mapToInt(o -> o.changes().size()).sum();
                if ((i + 1) % 10_000 == 0) {
                    System.err.printf("history-fill: %d of %d reconciles (%.0f s)%n", i + 1, count,
                            (System.nanoTime() - began) / 1e9);
                }
            }
            System.out.printf("reconciles %d outcomes %d changes %d applies %d seconds %.1f%n", count, outcomes,
                    changes, applied, (System.nanoTime() - began) / 1e9);
        }
    }

    /** An apply of {@code commit}: its service changed on every host, the others unchanged, or a failure on a host. */
    private static Reconcile apply(Random random, Commit commit, Instant at, int hosts, int services, boolean succeed) {
        int roll = random.nextInt(100);
        Reconcile.Result result = succeed || roll >= 10 ? Reconcile.Result.SUCCEEDED
                : roll < 5 ? Reconcile.Result.FAILED : Reconcile.Result.NO_CHANGES;
        int changed = random.nextInt(services);
        int failedHost = random.nextInt(hosts);
        List<ServiceOutcome> outcomes = new ArrayList<>(hosts * services);
        for (int h = 0; h < hosts; h++) {
            for (int s = 0; s < services; s++) {
                if (result == Reconcile.Result.NO_CHANGES || s != changed) {
                    outcomes.add(new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.UNCHANGED, null,
                            List.of(), List.of(), HealthState.HEALTHY));
                } else if (result == Reconcile.Result.FAILED && h == failedHost) {
                    outcomes.add(new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.FAILED,
                            "handler 'reload' exited 1: configuration test failed", List.of(), List.of(),
                            HealthState.UNKNOWN));
                } else {
                    outcomes.add(new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.APPLIED, null,
                            List.of(change(s, "update", "pending", commit.subject())), List.of(), HealthState.HEALTHY));
                }
            }
        }
        int seconds = 2 + random.nextInt(20);
        return new Reconcile(0, Reconcile.Kind.APPLY, random.nextBoolean() ? "webhook" : "poll", commit.sha(),
                commit.author(), commit.subject(), at, at.plusSeconds(seconds), result,
                result == Reconcile.Result.FAILED ? "1 of " + hosts * services + " services failed" : null, outcomes);
    }

    /** What a drift check records on one host: mostly a heal, sometimes drift left alone, health, or a failure. */
    private static Reconcile driftCheck(Random random, Commit commit, Instant at, int hosts, int services) {
        // busier hosts and services drift more often: the smaller of two uniform picks
        int h = Math.min(random.nextInt(hosts), random.nextInt(hosts));
        int s = Math.min(random.nextInt(services), random.nextInt(services));
        int roll = random.nextInt(100);
        Reconcile.Result result;
        ServiceOutcome outcome;
        String error = null;
        if (roll < 70) {
            result = Reconcile.Result.DRIFT_HEALED;
            outcome = new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.HEALED, null,
                    List.of(change(s, "update", "drift", "hand edit " + roll)), List.of(), HealthState.HEALTHY);
        } else if (roll < 78) {
            result = Reconcile.Result.DRIFT_FOUND;
            outcome = new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.DRIFTED, null,
                    List.of(change(s, "update", "drift", "hand edit at " + at)), List.of(), HealthState.HEALTHY);
        } else if (roll < 88) {
            result = Reconcile.Result.UNHEALTHY;
            outcome = new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.UNCHANGED,
                    "health check 'http' failed: connection refused", List.of(), List.of(), HealthState.DEGRADED);
        } else if (roll < 98) {
            result = Reconcile.Result.HEALTHY;
            outcome = new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.UNCHANGED, null, List.of(),
                    List.of(), HealthState.HEALTHY);
        } else {
            result = Reconcile.Result.FAILED;
            error = "cannot inspect " + host(h) + ": permission denied";
            outcome = new ServiceOutcome(host(h), service(s), ServiceOutcome.Status.FAILED, error, List.of());
        }
        return new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, DRIFT_TRIGGERS[random.nextInt(DRIFT_TRIGGERS.length)],
                commit.sha(), commit.author(), commit.subject(), at, at.plusMillis(40 + random.nextInt(400)), result,
                error, List.of(outcome));
    }

    /**
     * Older reconciles as batched inserts with ids of their own (the tables are empty before), the same columns and
     * values as {@link JdbcHistoryStore#record} writes; closing commits the rest and moves PostgreSQL's identity
     * sequences past the ids used, so that the store's inserts go on after them.
     */
    private static final class Bulk implements AutoCloseable {
        private static final DateTimeFormatter SQLITE_TIME =
                DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
        private static final int PER_TRANSACTION = 2_000;

        private final String agent;
        private final boolean sqlite;
        private Connection connection;
        private PreparedStatement reconciles;
        private PreparedStatement outcomes;
        private PreparedStatement changes;
        private long reconcileId;
        private long outcomeId;
        private long changeId;

        Bulk(String url, String agent) throws SQLException {
            this.agent = agent;
            this.sqlite = url.startsWith("jdbc:sqlite:");
            this.connection = DriverManager.getConnection(url);
            connection.setAutoCommit(false);
            try (Statement empty = connection.createStatement();
                    var rows = empty.executeQuery("SELECT COUNT(*) FROM reconciles")) {
                rows.next();
                if (rows.getLong(1) != 0) {
                    throw new IllegalStateException("the history at " + url.replaceAll("password=[^&]*", "password=...")
                            + " is not empty: give a new database");
                }
            }
            reconciles = connection.prepareStatement("INSERT INTO reconciles (id, kind, triggered_by, commit_id, author,"
                    + " message, started_at, finished_at, result, error, agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            outcomes = connection.prepareStatement("INSERT INTO service_outcomes (id, reconcile_id, host, service,"
                    + " status, error, health) VALUES (?, ?, ?, ?, ?, ?, ?)");
            changes = connection.prepareStatement("INSERT INTO resource_changes (id, outcome_id, path, action, cause,"
                    + " diff) VALUES (?, ?, ?, ?, ?, ?)");
        }

        void add(Reconcile r) throws SQLException {
            reconciles.setLong(1, ++reconcileId);
            reconciles.setString(2, r.kind().name());
            reconciles.setString(3, r.trigger());
            reconciles.setString(4, r.commit());
            reconciles.setString(5, r.author());
            reconciles.setString(6, r.message());
            time(reconciles, 7, r.startedAt());
            time(reconciles, 8, r.finishedAt());
            reconciles.setString(9, r.result().name());
            reconciles.setString(10, r.error());
            reconciles.setString(11, agent);
            reconciles.addBatch();
            for (ServiceOutcome o : r.services()) {
                outcomes.setLong(1, ++outcomeId);
                outcomes.setLong(2, reconcileId);
                outcomes.setString(3, o.host());
                outcomes.setString(4, o.service());
                outcomes.setString(5, o.status().name());
                outcomes.setString(6, o.error());
                outcomes.setString(7, o.health() == HealthState.UNKNOWN ? null : o.health().name());
                outcomes.addBatch();
                for (ResourceChange c : o.changes()) {
                    changes.setLong(1, ++changeId);
                    changes.setLong(2, outcomeId);
                    changes.setString(3, c.path());
                    changes.setString(4, c.action());
                    changes.setString(5, c.cause());
                    changes.setString(6, c.diff());
                    changes.addBatch();
                }
            }
            if (reconcileId % PER_TRANSACTION == 0) {
                flush();
            }
        }

        private void time(PreparedStatement statement, int index, Instant instant) throws SQLException {
            Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
            if (sqlite) {
                statement.setString(index, SQLITE_TIME.format(micros));
            } else {
                statement.setObject(index, OffsetDateTime.ofInstant(micros, ZoneOffset.UTC));
            }
        }

        private void flush() throws SQLException {
            reconciles.executeBatch();
            outcomes.executeBatch();
            changes.executeBatch();
            connection.commit();
        }

        @Override
        public void close() throws SQLException {
            if (connection == null) {
                return;
            }
            flush();
            if (!sqlite) {
                try (Statement sequences = connection.createStatement()) {
                    for (String table : List.of("reconciles", "service_outcomes", "resource_changes")) {
                        sequences.execute("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'),"
                                + " (SELECT COALESCE(MAX(id), 0) + 1 FROM " + table + "), false)");
                    }
                }
                connection.commit();
            }
            connection.close();
            connection = null;
        }
    }

    private static ResourceChange change(int service, String action, String cause, String line) {
        String path = "/etc/bench/" + service(service) + ".conf";
        return new ResourceChange(path, action, cause, "--- " + path + "\n+++ " + path + "\n@@ -3,1 +3,1 @@\n-workers = 4\n+"
                + line.replace('\n', ' ') + "\n");
    }

    private static String host(int h) {
        return String.format("host-%02d", h);
    }

    private static String service(int s) {
        return String.format("svc-%02d", s);
    }
}
