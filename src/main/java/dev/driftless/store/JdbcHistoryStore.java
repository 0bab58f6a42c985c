package dev.driftless.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.driftless.report.HealthState;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The history in a SQL database: an embedded SQLite file by default, or PostgreSQL. The schema is
 * created and upgraded by Flyway migrations (db/migration/sqlite, db/migration/postgresql) when the
 * store is opened. Times are kept to the microsecond (what PostgreSQL keeps), so an instant read
 * back is the recorded one truncated to microseconds.
 */
public final class JdbcHistoryStore implements HistoryStore, Fleet {

    /** The file name of the SQLite history under the state directory. */
    public static final String DEFAULT_FILE_NAME = "history.db";

    /** How many changes PostgreSQL sends at a time while the history is streamed (SQLite steps row by row). */
    private static final int FETCH_ROWS = 64;
    /** How long a reading waits for one of the connections readers may use. */
    private static final Duration READER_WAIT = Duration.ofSeconds(15);

    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;][a-z]*password=)([^&;#]*)");
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@:?#]*:)([^@/?#]*)@");

    private static final DateTimeFormatter SQLITE_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final String RECONCILE_COLUMNS = "r.id, r.kind, r.triggered_by, r.commit_id, r.author, r.message,"
            + " r.started_at, r.finished_at, r.result, r.error, r.agent, r.seen, r.last_seen_at, r.signer";

    /** The databases Driftless can keep its history in. */
    private enum Vendor {
        SQLITE("jdbc:sqlite:", "sqlite", 2,
                " (check that the folder exists and is writable by this user, and that the file is an SQLite database)",
                "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"),
        POSTGRESQL("jdbc:postgresql:", "postgresql", 4,
                " (check that PostgreSQL runs and accepts TCP connections there, and the database, user and password"
                        + " in the URL; a password can also come from ~/.pgpass)",
                "CURRENT_TIMESTAMP");

        final String prefix;
        final String migrations;
        final int poolSize;
        final String advice;
        /** The database's clock in SQL, as the vendor keeps times. */
        final String now;

        Vendor(String prefix, String migrations, int poolSize, String advice, String now) {
            this.prefix = prefix;
            this.migrations = migrations;
            this.poolSize = poolSize;
            this.advice = advice;
            this.now = now;
        }

        static Vendor of(String url) {
            for (Vendor vendor : values()) {
                if (url.regionMatches(true, 0, vendor.prefix, 0, vendor.prefix.length())) {
                    return vendor;
                }
            }
            throw new StoreException("unsupported history store URL '" + redact(url)
                    + "': give jdbc:sqlite:/path/to/history.db or jdbc:postgresql://host:port/database?user=NAME");
        }

        Properties connectionProperties() {
            Properties properties = new Properties();
            if (this == SQLITE) {
                // the agent writes while `driftless history` (another process) reads: WAL lets readers in,
                // and a writer waits for the other instead of failing at once
                properties.setProperty("journal_mode", "WAL");
                properties.setProperty("synchronous", "NORMAL");
                properties.setProperty("busy_timeout", "10000");
                properties.setProperty("foreign_keys", "true");
            } else {
                properties.setProperty("ApplicationName", "driftless");
                properties.setProperty("connectTimeout", "10");
            }
            return properties;
        }

        void setInstant(PreparedStatement statement, int index, Instant instant) throws SQLException {
            Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
            if (this == SQLITE) {
                statement.setString(index, SQLITE_TIME.format(micros));
            } else {
                statement.setObject(index, OffsetDateTime.ofInstant(micros, ZoneOffset.UTC));
            }
        }

        Instant getInstant(ResultSet rows, String column) throws SQLException {
            if (this == SQLITE) {
                return Instant.parse(rows.getString(column));
            }
            return rows.getObject(column, OffsetDateTime.class).toInstant();
        }
    }

    private final String url;
    private final String shownUrl;
    private final Vendor vendor;
    private final HikariDataSource dataSource;
    private final Semaphore readers;
    private final Optional<String> agent;

    private JdbcHistoryStore(String url, Vendor vendor, HikariDataSource dataSource, Optional<String> agent) {
        this.url = url;
        this.shownUrl = redact(url);
        this.vendor = vendor;
        this.dataSource = dataSource;
        this.readers = new Semaphore(readingsAtOnce(), true);
        this.agent = agent;
    }

    /**
     * Opens the history for one agent: what it records names it, {@link #lastApplied} is its own, and
     * {@link #recall}/{@link #remember} keep its memory apart from other agents sharing the database.
     */
    public static JdbcHistoryStore open(String url, String agent) {
        return open(url, Optional.of(agent));
    }

    /**
     * Opens the history at a JDBC URL and brings its schema up to date.
     *
     * @param url jdbc:sqlite:/path/history.db or jdbc:postgresql://host:port/db?user=..&amp;password=..
     * @throws StoreException with a clear message: which URL (password removed), what failed, what to do
     */
    public static JdbcHistoryStore open(String url) {
        return open(url, Optional.empty());
    }

    private static JdbcHistoryStore open(String url, Optional<String> agent) {
        Objects.requireNonNull(url, "url");
        Vendor vendor = Vendor.of(url.strip());
        String jdbcUrl = url.strip();
        Properties properties = vendor.connectionProperties();
        // one plain connection first: its failure is the clearest message, and no pool logs about it
        try (Connection probe = DriverManager.getConnection(jdbcUrl, properties)) {
            probe.isValid(5);
        } catch (SQLException e) {
            throw new StoreException("cannot open the history database " + redact(jdbcUrl) + ": "
                    + scrub(e.getMessage(), jdbcUrl) + vendor.advice, e);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setDataSourceProperties(properties);
        config.setPoolName("driftless-history");
        config.setMaximumPoolSize(vendor.poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(READER_WAIT.toMillis());
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the history database " + redact(jdbcUrl) + ": "
                    + scrub(messageOf(e), jdbcUrl) + vendor.advice, e);
        }
        JdbcHistoryStore store = new JdbcHistoryStore(jdbcUrl, vendor, dataSource, agent);
        try {
            store.migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return store;
    }

    /** jdbc:sqlite:&lt;stateDir&gt;/history.db, creating the folder (mode 0700) if it does not exist. */
    public static String defaultUrl(Path stateDir) {
        Path folder = stateDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) {
            try {
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(folder,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(folder);
                }
            } catch (IOException e) {
                throw new StoreException("cannot create the state directory " + folder + ": " + e
                        + " (create it, or give a folder this user can write to)", e);
            }
        }
        return "jdbc:sqlite:" + folder.resolve(DEFAULT_FILE_NAME);
    }

    /** How many readings of the history may hold a connection at once: all of the pool but the one for recording. */
    int readingsAtOnce() {
        return vendor.poolSize - 1;
    }

    /** The URL this store was opened with, without its password. */
    public String url() {
        return shownUrl;
    }

    private void migrate() {
        try {
            Flyway.configure(JdbcHistoryStore.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/" + vendor.migrations)
                    .cleanDisabled(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException("cannot bring the history database " + shownUrl + " up to date: "
                    + scrub(messageOf(e), url) + " (was it written by a newer Driftless, or changed by hand?"
                    + " Its migrations are listed in the table flyway_schema_history)", e);
        }
    }

    @Override
    public long record(Reconcile reconcile) {
        validate(reconcile);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Optional<Long> repeated = repeatedDrift(connection, reconcile);
                if (repeated.isPresent()) {
                    try (PreparedStatement seen = connection.prepareStatement(
                            "UPDATE reconciles SET seen = seen + 1, last_seen_at = ? WHERE id = ?")) {
                        vendor.setInstant(seen, 1, reconcile.startedAt());
                        seen.setLong(2, repeated.get());
                        seen.executeUpdate();
                    }
                    connection.commit();
                    return repeated.get();
                }
                long id = insertReconcile(connection, reconcile);
                try (PreparedStatement outcomes = connection.prepareStatement(
                        "INSERT INTO service_outcomes (reconcile_id, host, service, status, error, health)"
                                + " VALUES (?, ?, ?, ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS);
                        PreparedStatement changes = connection.prepareStatement(
                                "INSERT INTO resource_changes (outcome_id, path, action, cause, diff) VALUES (?, ?, ?, ?, ?)");
                        PreparedStatement handlers = connection.prepareStatement("INSERT INTO handler_outcomes"
                                + " (outcome_id, handler, succeeded, exit_code, result, output) VALUES (?, ?, ?, ?, ?, ?)");
                        PreparedStatement images = connection.prepareStatement("INSERT INTO service_images"
                                + " (outcome_id, stack, compose_service, reference, image_id, digest)"
                                + " VALUES (?, ?, ?, ?, ?, ?)")) {
                    boolean anyChange = false;
                    boolean anyHandler = false;
                    boolean anyImage = false;
                    for (ServiceOutcome outcome : reconcile.services()) {
                        outcomes.setLong(1, id);
                        outcomes.setString(2, outcome.host());
                        outcomes.setString(3, outcome.service());
                        outcomes.setString(4, outcome.status().name());
                        outcomes.setString(5, outcome.error());
                        // NULL when no check ran, as in the rows written before health checks
                        outcomes.setString(6, outcome.health() == HealthState.UNKNOWN ? null : outcome.health().name());
                        outcomes.executeUpdate();
                        long outcomeId = generatedId(outcomes);
                        for (ResourceChange change : outcome.changes()) {
                            changes.setLong(1, outcomeId);
                            changes.setString(2, change.path());
                            changes.setString(3, change.action());
                            changes.setString(4, change.cause());
                            changes.setString(5, change.diff());
                            changes.addBatch();
                            anyChange = true;
                        }
                        for (HandlerOutcome handler : outcome.handlers()) {
                            handlers.setLong(1, outcomeId);
                            handlers.setString(2, handler.handler());
                            handlers.setBoolean(3, handler.succeeded());
                            handlers.setObject(4, handler.exitCode(), java.sql.Types.INTEGER);
                            handlers.setString(5, handler.result());
                            handlers.setString(6, handler.output());
                            handlers.addBatch();
                            anyHandler = true;
                        }
                        for (ServiceImage image : outcome.images()) {
                            images.setLong(1, outcomeId);
                            images.setString(2, image.stack());
                            images.setString(3, image.composeService());
                            images.setString(4, image.reference());
                            images.setString(5, image.imageId());
                            images.setString(6, image.digest().orElse(null));
                            images.addBatch();
                            anyImage = true;
                        }
                    }
                    if (anyChange) {
                        changes.executeBatch();
                    }
                    if (anyHandler) {
                        handlers.executeBatch();
                    }
                    if (anyImage) {
                        images.executeBatch();
                    }
                }
                connection.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("cannot record the reconcile", e);
        }
    }

    /**
     * The id of the drift check this one repeats, if any: the agent's newest drift check of the same commit found
     * exactly the same (result, hosts, services, statuses, and each change's path, action, cause and diff), and
     * nothing was recorded for those hosts since (the newest drift check of the same commit on its first host is the
     * one it may repeat). Only drift found and left alone is collapsed: a heal changed the
     * host, and each one stays in the audit trail.
     */
    private Optional<Long> repeatedDrift(Connection connection, Reconcile reconcile) throws SQLException {
        if (reconcile.kind() != Reconcile.Kind.DRIFT_CHECK || reconcile.result() != Reconcile.Result.DRIFT_FOUND
                || reconcile.services().isEmpty() || reconcile.commit() == null) {
            return Optional.empty();
        }
        String owner = reconcile.agent() != null ? reconcile.agent() : agent.orElse(null);
        String ofOwner = owner == null ? " r.agent IS NULL" : " r.agent = ?";
        List<String> hosts = reconcile.services().stream().map(ServiceOutcome::host).distinct().toList();
        List<Reconcile> newest;
        try (PreparedStatement select = connection.prepareStatement("SELECT " + RECONCILE_COLUMNS
                + " FROM reconciles r WHERE r.kind = ? AND r.commit_id = ? AND" + ofOwner
                + " AND EXISTS (SELECT 1 FROM service_outcomes o WHERE o.reconcile_id = r.id AND o.host = ?)"
                + " ORDER BY r.started_at DESC, r.id DESC LIMIT 1")) {
            int index = 1;
            select.setString(index++, Reconcile.Kind.DRIFT_CHECK.name());
            select.setString(index++, reconcile.commit());
            if (owner != null) {
                select.setString(index++, owner);
            }
            select.setString(index, hosts.get(0));
            newest = readReconciles(select);
        }
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        CollectedHistory collected = new CollectedHistory();
        stream(connection, newest, HistoryQuery.latest(1), collected);
        Reconcile last = collected.reconciles().get(0);
        if (last.result() != reconcile.result() || !Objects.equals(last.error(), reconcile.error())
                || !last.services().equals(reconcile.services())) {
            return Optional.empty();
        }
        try (PreparedStatement since = connection.prepareStatement("SELECT 1 FROM reconciles r JOIN service_outcomes o"
                + " ON o.reconcile_id = r.id WHERE r.id > ? AND" + ofOwner + " AND o.host IN ("
                + String.join(", ", Collections.nCopies(hosts.size(), "?")) + ") LIMIT 1")) {
            int index = 1;
            since.setLong(index++, last.id());
            if (owner != null) {
                since.setString(index++, owner);
            }
            for (String host : hosts) {
                since.setString(index++, host);
            }
            try (ResultSet rows = since.executeQuery()) {
                return rows.next() ? Optional.empty() : Optional.of(last.id());
            }
        }
    }

    private long insertReconcile(Connection connection, Reconcile reconcile) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO reconciles (kind, triggered_by, commit_id, author, message, started_at, finished_at, result,"
                        + " error, agent, signer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, reconcile.kind().name());
            insert.setString(2, reconcile.trigger());
            insert.setString(3, reconcile.commit());
            insert.setString(4, reconcile.author());
            insert.setString(5, reconcile.message());
            vendor.setInstant(insert, 6, reconcile.startedAt());
            vendor.setInstant(insert, 7, reconcile.finishedAt());
            insert.setString(8, reconcile.result().name());
            insert.setString(9, reconcile.error());
            insert.setString(10, reconcile.agent() != null ? reconcile.agent() : agent.orElse(null));
            // NULL, not "", when the commit was not verified: rows from before V11 read the same
            insert.setString(11, reconcile.signer() == null || reconcile.signer().isBlank() ? null : reconcile.signer());
            insert.executeUpdate();
            return generatedId(insert);
        }
    }

    private static long generatedId(PreparedStatement statement) throws SQLException {
        try (ResultSet keys = statement.getGeneratedKeys()) {
            if (!keys.next()) {
                throw new SQLException("the database returned no id for the new row");
            }
            return keys.getLong(1);
        }
    }

    private static void rollback(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void validate(Reconcile reconcile) {
        Objects.requireNonNull(reconcile, "reconcile");
        require(reconcile.kind() != null, "a reconcile needs its kind");
        require(reconcile.result() != null, "a reconcile needs its result");
        require(reconcile.startedAt() != null, "a reconcile needs the time it started");
        require(reconcile.finishedAt() != null, "a reconcile needs the time it finished");
        for (ServiceOutcome outcome : reconcile.services()) {
            require(outcome != null, "a service outcome is null");
            require(outcome.host() != null, "a service outcome needs its host");
            require(outcome.status() != null, "the outcome of " + outcome.host() + "/" + outcome.service()
                    + " needs its status");
            for (HandlerOutcome handler : outcome.handlers()) {
                require(handler != null && handler.handler() != null && handler.result() != null,
                        "a handler outcome of " + outcome.host() + "/" + outcome.service() + " needs its name and result");
            }
            for (ServiceImage image : outcome.images()) {
                require(image != null, "an image of " + outcome.host() + "/" + outcome.service() + " is null");
            }
            for (ResourceChange change : outcome.changes()) {
                require(change != null, "a resource change of " + outcome.host() + "/" + outcome.service() + " is null");
                require(change.path() != null && change.action() != null,
                        "a resource change of " + outcome.host() + "/" + outcome.service() + " needs its path and action");
            }
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public void history(HistoryQuery query, HistoryRows rows) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(rows, "rows");
        StringBuilder sql = new StringBuilder("SELECT " + RECONCILE_COLUMNS + " FROM reconciles r WHERE 1 = 1");
        List<String> parameters = new ArrayList<>();
        query.agent().ifPresent(name -> {
            sql.append(" AND r.agent = ?");
            parameters.add(name);
        });
        if (query.host().isPresent() || query.service().isPresent()) {
            sql.append(" AND EXISTS (SELECT 1 FROM service_outcomes o WHERE o.reconcile_id = r.id");
            appendFilters(sql, parameters, query);
            sql.append(")");
        }
        if (query.before().isPresent()) {
            // the order of the list is (started_at, id), newest first: a page goes on after its last row
            sql.append(" AND EXISTS (SELECT 1 FROM reconciles b WHERE b.id = ? AND (r.started_at < b.started_at"
                    + " OR (r.started_at = b.started_at AND r.id < b.id)))");
        }
        // one more than the page holds tells whether there is a next page
        sql.append(" ORDER BY r.started_at DESC, r.id DESC LIMIT ?");
        read("cannot read the history", connection -> {
            List<Reconcile> headers;
            try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
                int index = 1;
                for (String parameter : parameters) {
                    select.setString(index++, parameter);
                }
                if (query.before().isPresent()) {
                    select.setLong(index++, query.before().get());
                }
                select.setInt(index, query.limit() + 1);
                headers = readReconciles(select);
            }
            boolean more = headers.size() > query.limit();
            List<Reconcile> page = more ? headers.subList(0, query.limit()) : headers;
            stream(connection, page, query, rows);
            if (more) {
                rows.more(page.get(page.size() - 1).id());
            }
        });
    }

    @Override
    public Optional<Reconcile> lastApplied() {
        String sql = "SELECT " + RECONCILE_COLUMNS + " FROM reconciles r WHERE r.kind = ? AND r.result IN (?, ?)"
                + (agent.isPresent() ? " AND (r.agent = ? OR r.agent IS NULL)" : "")
                + " ORDER BY r.started_at DESC, r.id DESC LIMIT 1";
        CollectedHistory collected = new CollectedHistory();
        read("cannot read the last applied reconcile", connection -> {
            List<Reconcile> headers;
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                select.setString(1, Reconcile.Kind.APPLY.name());
                select.setString(2, Reconcile.Result.SUCCEEDED.name());
                select.setString(3, Reconcile.Result.NO_CHANGES.name());
                if (agent.isPresent()) {
                    select.setString(4, agent.get());
                }
                headers = readReconciles(select);
            }
            stream(connection, headers, HistoryQuery.latest(1), collected);
        });
        return collected.reconciles().stream().findFirst();
    }

    @Override
    public Optional<String> recall(String name) {
        String owner = owner();
        List<String> found = new ArrayList<>();
        read("cannot read what agent " + owner + " remembered", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT value FROM agent_memory WHERE agent = ? AND name = ?")) {
                select.setString(1, owner);
                select.setString(2, name);
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next()) {
                        found.add(rows.getString(1));
                    }
                }
            }
        });
        return found.stream().findFirst();
    }

    @Override
    public void remember(String name, String value) {
        String owner = owner();
        try (Connection connection = dataSource.getConnection()) {
            // the same statement for SQLite and PostgreSQL: both know ON CONFLICT ... DO UPDATE
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO agent_memory (agent, name, value)"
                    + " VALUES (?, ?, ?) ON CONFLICT (agent, name) DO UPDATE SET value = excluded.value")) {
                upsert.setString(1, owner);
                upsert.setString(2, name);
                upsert.setString(3, value);
                upsert.executeUpdate();
            }
        } catch (SQLException e) {
            throw failure("cannot keep what agent " + owner + " must remember", e);
        }
    }

    @Override
    public void publish(String status, Optional<String> advertisedUrl, Duration heartbeat) {
        String owner = owner();
        Objects.requireNonNull(status, "status");
        try (Connection connection = dataSource.getConnection();
                PreparedStatement upsert = connection.prepareStatement("INSERT INTO fleet (agent, status,"
                        + " advertised_url, heartbeat_ms, seen_at) VALUES (?, ?, ?, ?, " + vendor.now + ")"
                        + " ON CONFLICT (agent) DO UPDATE SET status = excluded.status, advertised_url ="
                        + " excluded.advertised_url, heartbeat_ms = excluded.heartbeat_ms, seen_at = excluded.seen_at")) {
            upsert.setString(1, owner);
            upsert.setString(2, status);
            upsert.setString(3, advertisedUrl.orElse(null));
            upsert.setLong(4, heartbeat.toMillis());
            upsert.executeUpdate();
        } catch (SQLException e) {
            throw failure("cannot publish the status of agent " + owner + " to the fleet", e);
        }
    }

    @Override
    public List<FleetMember> members() {
        List<FleetMember> members = new ArrayList<>();
        read("cannot read the fleet", connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT agent, status, advertised_url,"
                    + " heartbeat_ms, seen_at, " + vendor.now + " AS read_at FROM fleet ORDER BY agent");
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    members.add(new FleetMember(rows.getString("agent"), rows.getString("status"),
                            Optional.ofNullable(rows.getString("advertised_url")),
                            Duration.ofMillis(rows.getLong("heartbeat_ms")), vendor.getInstant(rows, "seen_at"),
                            vendor.getInstant(rows, "read_at")));
                }
            }
        });
        return members;
    }

    @Override
    public int prune(HistoryKeep keep, Instant now) {
        String owner = owner();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Long> doomed = prunable(connection, owner, keep, now);
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM reconciles WHERE id = ?")) {
                    for (long id : doomed) {
                        delete.setLong(1, id);
                        delete.addBatch();
                    }
                    if (!doomed.isEmpty()) {
                        delete.executeBatch();
                    }
                }
                connection.commit();
                return doomed.size();
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("cannot prune the history of agent " + owner, e);
        }
    }

    /** The ids of the agent's reconciles that {@code keep} lets go, newest first, sparing each host's newest applies. */
    private List<Long> prunable(Connection connection, String owner, HistoryKeep keep, Instant now)
            throws SQLException {
        Set<Long> spared = new HashSet<>();
        Set<String> applied = new HashSet<>();
        Set<String> succeeded = new HashSet<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT r.id, r.result, o.host FROM reconciles r"
                + " LEFT JOIN service_outcomes o ON o.reconcile_id = r.id WHERE r.agent = ? AND r.kind = ?"
                + " ORDER BY r.started_at DESC, r.id DESC")) {
            select.setString(1, owner);
            select.setString(2, Reconcile.Kind.APPLY.name());
            try (ResultSet rows = select.executeQuery()) {
                boolean lastApplied = false;
                while (rows.next()) {
                    long id = rows.getLong("id");
                    boolean success = rows.getString("result").equals(Reconcile.Result.SUCCEEDED.name())
                            || rows.getString("result").equals(Reconcile.Result.NO_CHANGES.name());
                    String host = Objects.requireNonNullElse(rows.getString("host"), "");
                    boolean newestOfHost = applied.add(host);
                    boolean newestSuccessOfHost = success && succeeded.add(host);
                    if (newestOfHost || newestSuccessOfHost || (success && !lastApplied)) {
                        spared.add(id);
                    }
                    lastApplied |= success;
                }
            }
        }
        List<Long> doomed = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT r.id, r.started_at, r.last_seen_at"
                + " FROM reconciles r WHERE r.agent = ? ORDER BY r.started_at DESC, r.id DESC")) {
            select.setString(1, owner);
            try (ResultSet rows = select.executeQuery()) {
                int position = 0;
                while (rows.next()) {
                    Instant seen = rows.getObject("last_seen_at") == null ? vendor.getInstant(rows, "started_at")
                            : vendor.getInstant(rows, "last_seen_at");
                    long id = rows.getLong("id");
                    if (!keep.keeps(position, seen, now) && !spared.contains(id)) {
                        doomed.add(id);
                    }
                    position++;
                }
            }
        }
        return doomed;
    }

    private String owner() {
        return agent.orElseThrow(() -> new IllegalStateException("this history store was opened for no agent"));
    }

    /** A reading of the history on one connection, in one transaction. */
    @FunctionalInterface
    private interface Reading {
        void run(Connection connection) throws SQLException;
    }

    /**
     * Runs a reading on a connection of its own, in a read transaction (PostgreSQL sends rows a few at a time only
     * inside one). Readers may hold their connection while a slow client takes the rows, so they get every
     * connection of the pool but one: the agent can always record.
     */
    private void read(String what, Reading reading) {
        boolean admitted;
        try {
            admitted = readers.tryAcquire(READER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("history database " + shownUrl + ": " + what + ": interrupted", e);
        }
        if (!admitted) {
            throw new StoreException("history database " + shownUrl + ": " + what + ": " + readingsAtOnce()
                    + " readings are under way already and none ended within " + READER_WAIT.toSeconds()
                    + " s (try again)");
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                reading.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            readers.release();
        }
    }

    private static void appendFilters(StringBuilder sql, List<String> parameters, HistoryQuery query) {
        query.host().ifPresent(host -> {
            sql.append(" AND o.host = ?");
            parameters.add(host);
        });
        query.service().ifPresent(service -> {
            sql.append(" AND o.service = ?");
            parameters.add(service);
        });
    }

    private List<Reconcile> readReconciles(PreparedStatement select) throws SQLException {
        List<Reconcile> reconciles = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                reconciles.add(new Reconcile(rows.getLong("id"), enumOf(Reconcile.Kind.class, rows.getString("kind")),
                        rows.getString("triggered_by"), rows.getString("commit_id"), rows.getString("author"),
                        rows.getString("message"), vendor.getInstant(rows, "started_at"),
                        vendor.getInstant(rows, "finished_at"), enumOf(Reconcile.Result.class, rows.getString("result")),
                        rows.getString("error"), List.of(), rows.getString("agent"), rows.getInt("seen"),
                        rows.getObject("last_seen_at") == null ? null : vendor.getInstant(rows, "last_seen_at"),
                        rows.getString("signer")));
            }
        }
        return reconciles;
    }

    private <E extends Enum<E>> E enumOf(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new StoreException("history database " + shownUrl + ": unknown " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)
                    + " '" + name + "' (was it written by a newer Driftless? Read it with that version)", e);
        }
    }

    /** An outcome as read, with its id, which its changes name. */
    private record Outcome(long id, ServiceOutcome value) {
    }

    /**
     * Hands on each reconcile with the outcomes the query keeps and their changes. Per reconcile, its outcomes are
     * read (as many as it had hosts and services), then its changes as one stream in outcome order, which both
     * databases read along their indexes without sorting; at most one change is in memory at a time.
     */
    private void stream(Connection connection, List<Reconcile> headers, HistoryQuery query, HistoryRows rows)
            throws SQLException {
        StringBuilder filters = new StringBuilder();
        List<String> parameters = new ArrayList<>();
        appendFilters(filters, parameters, query);
        String diff = query.diffs() == HistoryQuery.Diffs.INCLUDED ? "c.diff" : "NULL";
        try (PreparedStatement outcomes = connection.prepareStatement("SELECT o.id, o.host, o.service, o.status,"
                        + " o.error, o.health FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + " ORDER BY o.id");
                PreparedStatement handlers = connection.prepareStatement("SELECT h.outcome_id, h.handler, h.succeeded,"
                        + " h.exit_code, h.result, h.output FROM handler_outcomes h WHERE h.outcome_id IN (SELECT o.id"
                        + " FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + ") ORDER BY h.outcome_id, h.id");
                PreparedStatement images = connection.prepareStatement("SELECT i.outcome_id, i.stack, i.compose_service,"
                        + " i.reference, i.image_id, i.digest FROM service_images i WHERE i.outcome_id IN (SELECT o.id"
                        + " FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + ") ORDER BY i.outcome_id, i.id");
                PreparedStatement changes = connection.prepareStatement("SELECT c.outcome_id, c.path, c.action,"
                        + " c.cause, " + diff + " AS diff FROM resource_changes c WHERE c.outcome_id IN (SELECT o.id"
                        + " FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + ")"
                        + " ORDER BY c.outcome_id, c.id")) {
            changes.setFetchSize(FETCH_ROWS);
            for (Reconcile reconcile : headers) {
                rows.reconcile(reconcile);
                List<Outcome> kept = readOutcomes(outcomes, handlers, images, reconcile.id(), parameters);
                if (kept.isEmpty()) {
                    continue;
                }
                bind(changes, reconcile.id(), parameters);
                try (ResultSet changeRows = changes.executeQuery()) {
                    boolean more = changeRows.next();
                    for (Outcome outcome : kept) {
                        rows.service(outcome.value());
                        while (more && changeRows.getLong("outcome_id") == outcome.id()) {
                            rows.change(new ResourceChange(changeRows.getString("path"), changeRows.getString("action"),
                                    changeRows.getString("cause"), changeRows.getString("diff")));
                            more = changeRows.next();
                        }
                    }
                }
            }
        }
    }

    /**
     * The outcomes of a reconcile the query keeps, each with the handlers it ran (a few per service at most, each
     * output bounded at 4 KiB when it was recorded, so they are held in memory with their outcome) and the images
     * of its stacks (one short row per compose service).
     */
    private List<Outcome> readOutcomes(PreparedStatement outcomes, PreparedStatement handlers, PreparedStatement images,
            long reconcileId, List<String> parameters) throws SQLException {
        bind(images, reconcileId, parameters);
        Map<Long, List<ServiceImage>> ran = new HashMap<>();
        try (ResultSet rows = images.executeQuery()) {
            while (rows.next()) {
                ran.computeIfAbsent(rows.getLong("outcome_id"), id -> new ArrayList<>()).add(new ServiceImage(
                        rows.getString("stack"), rows.getString("compose_service"), rows.getString("reference"),
                        rows.getString("image_id"), Optional.ofNullable(rows.getString("digest"))));
            }
        }
        bind(handlers, reconcileId, parameters);
        Map<Long, List<HandlerOutcome>> handled = new HashMap<>();
        try (ResultSet rows = handlers.executeQuery()) {
            while (rows.next()) {
                int code = rows.getInt("exit_code");
                Integer exitCode = rows.wasNull() ? null : code;
                handled.computeIfAbsent(rows.getLong("outcome_id"), id -> new ArrayList<>()).add(new HandlerOutcome(
                        rows.getString("handler"), rows.getBoolean("succeeded"), exitCode, rows.getString("result"),
                        rows.getString("output")));
            }
        }
        bind(outcomes, reconcileId, parameters);
        List<Outcome> kept = new ArrayList<>();
        try (ResultSet rows = outcomes.executeQuery()) {
            while (rows.next()) {
                long id = rows.getLong("id");
                String health = rows.getString("health");
                kept.add(new Outcome(id, new ServiceOutcome(rows.getString("host"), rows.getString("service"),
                        enumOf(ServiceOutcome.Status.class, rows.getString("status")), rows.getString("error"),
                        List.of(), handled.getOrDefault(id, List.of()),
                        health == null ? HealthState.UNKNOWN : enumOf(HealthState.class, health),
                        ran.getOrDefault(id, List.of()))));
            }
        }
        return kept;
    }

    private static void bind(PreparedStatement select, long reconcileId, List<String> parameters) throws SQLException {
        select.setLong(1, reconcileId);
        int index = 2;
        for (String parameter : parameters) {
            select.setString(index++, parameter);
        }
    }

    private StoreException failure(String what, SQLException e) {
        return new StoreException("history database " + shownUrl + ": " + what + ": " + scrub(e.getMessage(), url)
                + " (check that the database is reachable and writable, and try again)", e);
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static String messageOf(Throwable e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (deepest != e && deepest.getMessage() != null && !message.contains(deepest.getMessage())) {
            message = message + ": " + deepest.getMessage();
        }
        return message;
    }

    /** The URL with any password replaced by ***, fit to show in a message or a log. */
    static String redact(String url) {
        String shown = PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
        return USER_INFO_PASSWORD.matcher(shown).replaceAll("$1***@");
    }

    /** A driver's message with every password of the URL (as written and decoded) removed. */
    static String scrub(String message, String url) {
        if (message == null) {
            return "no details given by the driver";
        }
        Set<String> secrets = new LinkedHashSet<>();
        for (Pattern pattern : List.of(PASSWORD_PARAMETER, USER_INFO_PASSWORD)) {
            Matcher matcher = pattern.matcher(url);
            while (matcher.find()) {
                String secret = matcher.group(2);
                if (!secret.isEmpty()) {
                    secrets.add(secret);
                    try {
                        secrets.add(URLDecoder.decode(secret, StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        // not URL-encoded: the raw form is enough
                    }
                }
            }
        }
        String scrubbed = message.strip();
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                scrubbed = scrubbed.replace(secret, "***");
            }
        }
        return scrubbed.endsWith(".") ? scrubbed.substring(0, scrubbed.length() - 1) : scrubbed;
    }
}
