package dev.driftless.cli;

import dev.driftless.engine.HostOutcome;
import java.io.PrintWriter;
import java.util.function.Consumer;

/** "3/12 hosts done" on a terminal's stderr while hosts are worked on; silent when not a terminal. */
final class HostProgress implements Consumer<HostOutcome> {

    private final PrintWriter err;
    private final int total;
    private final boolean enabled;
    private int done;

    HostProgress(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
        this.enabled = total > 1 && System.console() != null;
    }

    @Override
    public synchronized void accept(HostOutcome outcome) {
        done++;
        if (!enabled) {
            return;
        }
        String line = done + "/" + total + " hosts done";
        err.print(done < total ? "\r" + line : "\r" + " ".repeat(line.length()) + "\r");
        err.flush();
    }
}
