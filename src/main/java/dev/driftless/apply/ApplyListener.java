package dev.driftless.apply;

import dev.driftless.plan.Change;

/** Hears about an apply as it happens, so progress can be shown while it runs. */
public interface ApplyListener {

    /** The host's plan is known and its changes are about to be made. */
    default void started(dev.driftless.plan.HostPlan plan, String hostDescription) {
    }

    /** The apply waits, for example for another apply's lock. */
    default void waiting(String message) {
    }

    void applied(Change change, String note);

    /** A handler ended; its output is already bounded and masked. */
    void handlerRan(HandlerResult result);

    ApplyListener SILENT = new ApplyListener() {
        @Override
        public void applied(Change change, String note) {
        }

        @Override
        public void handlerRan(HandlerResult result) {
        }
    };
}
