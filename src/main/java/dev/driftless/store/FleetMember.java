package dev.driftless.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One agent of a {@link Fleet} as it last published itself.
 *
 * @param agent its name ({@code --agent-id})
 * @param status its status document as JSON, as its {@code /api/status} served it then
 * @param advertisedUrl where its API can be reached ({@code --advertise-url}); empty: its hosts are read-only to others
 * @param heartbeat how often it publishes when nothing changes
 * @param lastSeen when it last published, by the database's clock
 * @param readAt when this was read, by the same clock
 */
public record FleetMember(String agent, String status, Optional<String> advertisedUrl, Duration heartbeat,
        Instant lastSeen, Instant readAt) {

    /** An agent that missed this many heartbeats in a row is stale: stopped, cut off, or stuck. */
    public static final int MISSED_HEARTBEATS = 3;

    public FleetMember {
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(advertisedUrl, "advertisedUrl");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(readAt, "readAt");
    }

    /** Whether it has not published for more than {@value #MISSED_HEARTBEATS} heartbeats. */
    public boolean stale() {
        return Duration.between(lastSeen, readAt).compareTo(heartbeat.multipliedBy(MISSED_HEARTBEATS)) > 0;
    }
}
