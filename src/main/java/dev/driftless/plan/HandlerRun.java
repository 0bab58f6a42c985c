package dev.driftless.plan;

/** A handler an apply must run, because a file naming it changed (or an interrupted apply left it owed). */
public record HandlerRun(String service, String handler, String command) {

    /** "service/handler", the name used in output and in the host state. */
    public String id() {
        return service + "/" + handler;
    }
}
