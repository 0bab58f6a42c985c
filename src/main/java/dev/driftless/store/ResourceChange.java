package dev.driftless.store;

/**
 * One changed resource of a service.
 *
 * @param path the resource's path on the host
 * @param action what was done: "create", "update" or "delete" (the words of {@code dev.driftless.plan.Action})
 * @param cause why, e.g. "drift" or "pending" (may be null)
 * @param diff the unified diff, already masked by the caller (lines from secrets, "(sensitive content
 *     changed)" for secret files); may be null. The store keeps it exactly as given.
 */
public record ResourceChange(String path, String action, String cause, String diff) {
}
