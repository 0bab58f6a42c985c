package dev.driftless.system;

/**
 * What systemd says of one unit ({@code systemctl show}): whether it is loaded or masked, whether it runs, and
 * whether it is enabled. Under a root (an image being built) nothing runs: {@code active} is empty there.
 */
public record UnitStatus(String load, String active, String fileState) {

    public static final UnitStatus NOT_FOUND = new UnitStatus("not-found", "inactive", "");

    public boolean masked() {
        return load.equals("masked") || fileState.startsWith("masked");
    }

    public boolean enabled() {
        return fileState.equals("enabled") || fileState.equals("enabled-runtime") || fileState.equals("alias")
                || fileState.equals("static") || fileState.equals("indirect") || fileState.equals("generated");
    }

    /** Active, or on its way there: a unit being started or reloaded is not stopped. */
    public boolean running() {
        return active.equals("active") || active.equals("activating") || active.equals("reloading");
    }

    /** In words, for plans: {@code enabled, running} or {@code masked}. */
    public String describe() {
        if (masked()) {
            return "masked";
        }
        if (load.equals("not-found") && fileState.isEmpty()) {
            return "not installed";
        }
        String enablement = enabled() ? "enabled" : "disabled";
        return active.isEmpty() ? enablement : enablement + ", " + (running() ? "running" : active.equals("failed")
                ? "failed" : "stopped");
    }
}
