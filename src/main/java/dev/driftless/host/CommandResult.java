package dev.driftless.host;

/** How a command run on a host ended: its exit code (-1 when it timed out) and combined output. */
public record CommandResult(int exitCode, String output, boolean timedOut) {

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }
}
