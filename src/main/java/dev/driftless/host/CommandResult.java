package dev.driftless.host;

/**
 * How a command run on a host ended: its exit code (-1 when it timed out) and its standard output and error
 * together (of a long output, a host may keep only the end, which is where a command says why it failed).
 */
public record CommandResult(int exitCode, String output, boolean timedOut) {

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }
}
