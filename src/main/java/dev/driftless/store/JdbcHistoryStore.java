package dev.driftless.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import java.util.LinkedHashSet;
import java.util.List;
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
public final class JdbcHistoryStore implements HistoryStore {

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
            + " r.started_at, r.finished_at, r.result, r.error, r.agent";

    /** The databases Driftless can keep its history in. */
    private enum Vendor {
        SQLITE("jdbc:sqlite:", "sqlite", 2,
                " (check that the folder exists and is writable by this user, and that the file is an SQLite database)"),
        POSTGRESQL("jdbc:postgresql:", "postgresql", 4,
                " (check that PostgreSQL runs and accepts TCP connections there, and the database, user and password"
                        + " in the URL; a password can also come from ~/.pgpass)");

        final String prefix;
        final String migrations;
        final int poolSize;
        final String advice;

        Vendor(String prefix, String migrations, int poolSize, String advice) {
            this.prefix = prefix;
            this.migrations = migrations;
            this.poolSize = poolSize;
            this.advice = advice;
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
                long id = insertReconcile(connection, reconcile);
                try (PreparedStatement outcomes = connection.prepareStatement(
                        "INSERT INTO service_outcomes (reconcile_id, host, service, status, error) VALUES (?, ?, ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS);
                        PreparedStatement changes = connection.prepareStatement(
                                "INSERT INTO resource_changes (outcome_id, path, action, cause, diff) VALUES (?, ?, ?, ?, ?)")) {
                    boolean anyChange = false;
                    for (ServiceOutcome outcome : reconcile.services()) {
                        outcomes.setLong(1, id);
                        outcomes.setString(2, outcome.host());
                        outcomes.setString(3, outcome.service());
                        outcomes.setString(4, outcome.status().name());
                        outcomes.setString(5, outcome.error());
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
                    }
                    if (anyChange) {
                        changes.executeBatch();
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

    private long insertReconcile(Connection connection, Reconcile reconcile) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO reconciles (kind, triggered_by, commit_id, author, message, started_at, finished_at, result,"
                        + " error, agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        sql.append(" ORDER BY r.started_at DESC, r.id DESC LIMIT ?");
        read("cannot read the history", connection -> {
            List<Reconcile> headers;
            try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
                int index = 1;
                for (String parameter : parameters) {
                    select.setString(index++, parameter);
                }
                select.setInt(index, query.limit());
                headers = readReconciles(select);
            }
            stream(connection, headers, query, rows);
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
                        rows.getString("error"), List.of(), rows.getString("agent")));
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
                        + " o.error FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + " ORDER BY o.id");
                PreparedStatement changes = connection.prepareStatement("SELECT c.outcome_id, c.path, c.action,"
                        + " c.cause, " + diff + " AS diff FROM resource_changes c WHERE c.outcome_id IN (SELECT o.id"
                        + " FROM service_outcomes o WHERE o.reconcile_id = ?" + filters + ")"
                        + " ORDER BY c.outcome_id, c.id")) {
            changes.setFetchSize(FETCH_ROWS);
            for (Reconcile reconcile : headers) {
                rows.reconcile(reconcile);
                List<Outcome> kept = readOutcomes(outcomes, reconcile.id(), parameters);
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

    private List<Outcome> readOutcomes(PreparedStatement outcomes, long reconcileId, List<String> parameters)
            throws SQLException {
        bind(outcomes, reconcileId, parameters);
        List<Outcome> kept = new ArrayList<>();
        try (ResultSet rows = outcomes.executeQuery()) {
            while (rows.next()) {
                kept.add(new Outcome(rows.getLong("id"), new ServiceOutcome(rows.getString("host"),
                        rows.getString("service"), enumOf(ServiceOutcome.Status.class, rows.getString("status")),
                        rows.getString("error"), List.of())));
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
