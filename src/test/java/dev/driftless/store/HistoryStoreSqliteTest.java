package dev.driftless.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history store contract on an embedded SQLite file, plus what is particular to SQLite. */
class HistoryStoreSqliteTest extends HistoryStoreContract {

    @TempDir
    Path temp;

    private int databases;

    @Override
    String newDatabaseUrl() {
        return JdbcHistoryStore.defaultUrl(temp.resolve("state-" + ++databases));
    }

    @Test
    void theDefaultUrlIsHistoryDbInTheStateDirectoryWhichIsCreatedPrivate() throws Exception {
        Path stateDir = temp.resolve("var/lib/driftless/agent");

        String url = JdbcHistoryStore.defaultUrl(stateDir);

        assertThat(url).isEqualTo("jdbc:sqlite:" + stateDir.resolve("history.db"));
        assertThat(Files.getPosixFilePermissions(stateDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (HistoryStore store = JdbcHistoryStore.open(url)) {
            assertThat(store.history(HistoryQuery.latest(1))).isEmpty();
        }
        assertThat(stateDir.resolve("history.db")).isRegularFile();
    }

    @Test
    void anExistingStateDirectoryKeepsItsMode() throws Exception {
        Path stateDir = Files.createDirectory(temp.resolve("state"));
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-x---"));

        JdbcHistoryStore.defaultUrl(stateDir);

        assertThat(Files.getPosixFilePermissions(stateDir)).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
    }

    @Test
    void aFileThatCannotBeOpenedGivesAClearError() {
        String url = "jdbc:sqlite:" + temp.resolve("no/such/folder/history.db");

        assertThatThrownBy(() -> JdbcHistoryStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the history database " + url + ": ")
                .hasMessageContaining("check that the folder exists");
    }

    @Test
    void aFileThatIsNotADatabaseGivesAClearError() throws Exception {
        Path notADatabase = Files.writeString(temp.resolve("history.db"), "this is not an SQLite file, but long enough"
                + " to have a header of one hundred bytes, which SQLite reads first when it opens a database file.");
        String url = "jdbc:sqlite:" + notADatabase;

        assertThatThrownBy(() -> JdbcHistoryStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("not a database");
    }
}
