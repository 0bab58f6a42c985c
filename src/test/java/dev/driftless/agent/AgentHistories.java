package dev.driftless.agent;

import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The history database of an agent's state folder, opened as each agent process opens it, and closed again: by
 * {@link #restart} as when a process ends, and all that are still open by {@link #close} after a test.
 */
final class AgentHistories implements AutoCloseable {

    private final Path stateDir;
    private final List<HistoryStore> opened = new ArrayList<>();

    AgentHistories(Path stateDir) {
        this.stateDir = stateDir;
    }

    HistoryStore open() {
        HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent");
        opened.add(store);
        return store;
    }

    /** The agent's history closed, as when its process ends, and opened again by the next one. */
    HistoryStore restart(HistoryStore history) {
        history.close();
        opened.remove(history);
        return open();
    }

    @Override
    public void close() {
        opened.forEach(HistoryStore::close);
    }
}
