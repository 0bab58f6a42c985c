package dev.driftless.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.agent.AgentStatus;
import dev.driftless.store.FleetMember;
import dev.driftless.store.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What {@code GET /api/fleet} serves: every agent sharing this agent's history database, each with the status it
 * published last, when that was, whether it is stale and where its API is; this agent among them with its live
 * status. When the database cannot be read, this agent alone and why (docs/json.md, "Fleet").
 *
 * @param agent the name of the agent that answered (the one marked {@code self})
 * @param storeError why the other agents could not be read, or empty
 * @param agents by name
 */
public record FleetDocument(int formatVersion, String agent, Optional<String> storeError, List<Agent> agents) {

    /** The shape of this document; raised when a field changes meaning or goes away. */
    public static final int FORMAT_VERSION = 1;

    public FleetDocument {
        agents = List.copyOf(agents);
    }

    /**
     * One agent of the fleet.
     *
     * @param self whether it is the agent that answered (act on its hosts here; others through advertisedUrl)
     * @param advertisedUrl where its API is ({@code --advertise-url}); empty: show its hosts read-only
     * @param lastSeen when it last published (the database's clock); empty for this agent before its first
     * @param heartbeatSeconds how often it publishes when nothing changes; empty when it never published
     * @param stale it missed {@value FleetMember#MISSED_HEARTBEATS} heartbeats: its status may be out of date
     * @param status its {@code /api/status} document (this agent's as of now), or null when unreadable
     */
    public record Agent(String agent, boolean self, Optional<String> advertisedUrl, Optional<Instant> lastSeen,
            Optional<Double> heartbeatSeconds, boolean stale, Object status) {
    }

    /** The fleet as {@code source} has it, with {@code self}'s entry from its live status. */
    public static FleetDocument read(AgentStatus self, HistorySource source) {
        List<FleetMember> members;
        Optional<String> error = Optional.empty();
        if (source == null) {
            members = List.of();
            error = Optional.of("this agent records no history, so it shows no other agents");
        } else {
            try {
                members = source.fleet();
            } catch (StoreException e) {
                members = List.of();
                error = Optional.of(e.getMessage());
            }
        }
        List<Agent> agents = new ArrayList<>();
        Optional<FleetMember> own = members.stream().filter(m -> m.agent().equals(self.agent())).findFirst();
        agents.add(new Agent(self.agent(), true, own.flatMap(FleetMember::advertisedUrl), own.map(FleetMember::lastSeen),
                own.map(FleetDocument::seconds), false, self));
        for (FleetMember member : members) {
            if (!member.agent().equals(self.agent())) {
                agents.add(new Agent(member.agent(), false, member.advertisedUrl(), Optional.of(member.lastSeen()),
                        Optional.of(seconds(member)), member.stale(), parse(member.status())));
            }
        }
        agents.sort(Comparator.comparing(Agent::agent));
        return new FleetDocument(FORMAT_VERSION, self.agent(), error, agents);
    }

    private static double seconds(FleetMember member) {
        return member.heartbeat().toMillis() / 1000.0;
    }

    /** A published status as JSON, or null when it is not (a damaged row must not hide the rest of the fleet). */
    private static JsonNode parse(String status) {
        try {
            return Json.mapper().readTree(status);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
