package dev.driftless.store;

/**
 * How one handler of a service ran during a reconcile, as history keeps it.
 *
 * @param handler   the handler's name within its service
 * @param succeeded whether it exited with 0
 * @param exitCode  its exit code; null when it did not exit by itself (it timed out, or could not be run)
 * @param result    how it ended, in the words of the apply: {@code ok}, {@code failed (exit 3)},
 *                  {@code timed out after 5m}, {@code could not run: ...}
 * @param output    the end of its output (at most 20 lines and 4 KiB, secret values masked), under a line
 *                  {@code … (earlier output not shown)} when earlier output was left out; {@code ""} for none
 */
public record HandlerOutcome(String handler, boolean succeeded, Integer exitCode, String result, String output) {

    public HandlerOutcome {
        output = output == null ? "" : output;
    }
}
