package dev.driftless.plan;

/** Which services a plan covers, and so what it may prune and whether the state it leaves is complete. */
public enum Scope {
    /** Every service of the revision: anything recorded that is no longer desired is removed. */
    EVERYTHING(true, true),
    /** The services a --service selection chose: only their resources are pruned; the state is partial. */
    SELECTED(false, false),
    /**
     * The services with drift, when the recorded state shows every other service in sync with the same,
     * fully applied revision: a plan of these is a plan of everything.
     */
    DRIFTED(false, true);

    private final boolean prunesEverything;
    private final boolean completesState;

    Scope(boolean prunesEverything, boolean completesState) {
        this.prunesEverything = prunesEverything;
        this.completesState = completesState;
    }

    /** Whether resources of services outside the plan may be pruned. */
    public boolean prunesEverything() {
        return prunesEverything;
    }

    /** Whether applying the whole plan brings the host completely to the revision. */
    public boolean completesState() {
        return completesState;
    }
}
