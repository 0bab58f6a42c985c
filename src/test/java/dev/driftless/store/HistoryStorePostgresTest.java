package dev.driftless.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The history store contract on a real PostgreSQL that the test starts itself (Debian's postgresql
 * package, installed by scripts/test.sh; the test fails, never skips, without it).
 */
class HistoryStorePostgresTest extends HistoryStoreContract {

    private static HistoryPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = HistoryPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    String newDatabaseUrl() {
        return postgres.newDatabase();
    }

    @Test
    void aServerThatCannotBeReachedGivesAClearErrorWithoutThePassword() throws Exception {
        int port = HistoryPostgres.closedPort();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/history?user=driftless&password=Sup3r-S3cret&ssl=false";

        assertThatThrownBy(() -> JdbcHistoryStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the history database jdbc:postgresql://127.0.0.1:" + port
                        + "/history?user=driftless&password=***&ssl=false: ")
                .hasMessageContaining("refused")
                .hasMessageContaining("check that PostgreSQL runs")
                .hasMessageNotContaining("Sup3r-S3cret");
    }

    @Test
    void aWrongPasswordGivesAClearErrorWithoutThePassword() {
        String url = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres?user=driftless&password=Wr0ng-Pa55";

        assertThatThrownBy(() -> JdbcHistoryStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("password=***")
                .hasMessageContaining("password authentication failed for user \"driftless\"")
                .hasMessageNotContaining("Wr0ng-Pa55");
    }

    @Test
    void aDatabaseThatDoesNotExistGivesAClearError() {
        String url = postgres.url("no_such_database");

        assertThatThrownBy(() -> JdbcHistoryStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("\"no_such_database\" does not exist")
                .hasMessageNotContaining(HistoryPostgres.PASSWORD);
    }

    @Test
    void timesAreStoredAsTimestampsWithTimeZone() throws Exception {
        String url = newDatabaseUrl();
        try (HistoryStore store = JdbcHistoryStore.open(url)) {
            store.record(apply("c1", T0, Reconcile.Result.SUCCEEDED));
        }
        try (var connection = java.sql.DriverManager.getConnection(url);
                var statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT pg_typeof(started_at)::text, started_at = TIMESTAMPTZ"
                        + " '2026-11-23 14:00:01.123456+00' FROM reconciles")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("timestamp with time zone");
            assertThat(rows.getBoolean(2)).isTrue();
        }
    }
}
