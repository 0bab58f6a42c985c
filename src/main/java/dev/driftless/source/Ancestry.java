package dev.driftless.source;

/**
 * Whether a commit descends from an earlier one ({@link RepoSource.Checkout#ancestry}): what the agent's forward-only
 * check asks of each new commit about the newest commit it applied on a host.
 */
public enum Ancestry {
    /** The earlier commit is the commit itself or one of its ancestors. */
    DESCENDS,
    /** The whole history of the commit was read and the earlier commit is not in it: a rewind or rewritten history. */
    DIVERGES,
    /**
     * The earlier commit was not found within {@link RepoSource#ANCESTRY_DEPTH} commits before the commit, and the
     * history goes on beyond them: it cannot be told without fetching the whole history.
     */
    OUT_OF_REACH
}
