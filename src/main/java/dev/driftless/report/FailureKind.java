package dev.driftless.report;

/**
 * Whether trying the same thing again could end differently. A deterministic failure (the repository
 * does not validate or render, a handler fails, a write is refused) fails the same way until the commit
 * changes; a transient one (a host that cannot be reached, a lock held too long, a source that is down)
 * may pass on the next try.
 */
public enum FailureKind implements Word {
    DETERMINISTIC,
    TRANSIENT
}
