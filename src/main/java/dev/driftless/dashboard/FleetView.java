package dev.driftless.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.report.Word;
import dev.driftless.store.FleetMember;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The other agents that share this agent's history database, as the overview shows them below its own hosts: each
 * with when it was last seen, whether it is stale, and its hosts as it published them. Their pages are on their own
 * agents: a host links there when the agent said where ({@code --advertise-url}), and is read-only here otherwise
 * (an action on it would have to go to that agent's API with a token of that agent).
 *
 * @param agent its name ({@code --agent-id})
 * @param seen "last seen 12 s ago"
 * @param stale it missed three heartbeats: what it shows may be out of date
 * @param url where its dashboard is; empty: read-only here
 * @param hosts its hosts; empty with {@code problem} when its document could not be read
 */
public record FleetView(String agent, String seen, boolean stale, String url, List<Host> hosts, String problem) {

    /** A host of another agent: its worst sync state, the commit it is at, and each service. */
    public record Host(String host, String sync, boolean suspended, String commit, List<Service> services) {
    }

    /** A service of such a host, in words, with the link to its page on that agent (empty: none). */
    public record Service(String service, String sync, String syncLabel, String health, String link) {
    }

    /** The agents of {@code members} other than {@code self}, by name. */
    static List<FleetView> of(List<FleetMember> members, String self, Instant now) {
        List<FleetView> views = new ArrayList<>();
        for (FleetMember member : members) {
            if (!member.agent().equals(self)) {
                views.add(of(member, now));
            }
        }
        return List.copyOf(views);
    }

    private static FleetView of(FleetMember member, Instant now) {
        String url = member.advertisedUrl().orElse("");
        String seen = "last seen " + Overview.age(member.lastSeen(), member.readAt().isAfter(now) ? member.readAt() : now);
        JsonNode status;
        try {
            status = dev.driftless.web.Json.mapper().readTree(member.status());
        } catch (java.io.IOException e) {
            return new FleetView(member.agent(), seen, member.stale(), url, List.of(),
                    "its published status could not be read");
        }
        List<Host> hosts = new ArrayList<>();
        for (JsonNode host : status.path("hosts")) {
            String name = host.path("host").asText();
            List<Service> services = new ArrayList<>();
            for (JsonNode service : host.path("services")) {
                String serviceName = service.path("service").asText();
                SyncState sync = word(SyncState.class, service.path("sync").asText(), SyncState.PENDING);
                HealthState health = word(HealthState.class, service.path("health").asText(), HealthState.UNKNOWN);
                services.add(new Service(serviceName, sync.word(), Overview.label(sync), Overview.label(health),
                        url.isEmpty() ? "" : url + Overview.serviceLink(name, serviceName)));
            }
            String commit = host.path("appliedCommit").isTextual() ? Overview.shortId(host.path("appliedCommit").asText())
                    : "";
            hosts.add(new Host(name, word(SyncState.class, host.path("sync").asText(), SyncState.PENDING).word(),
                    host.path("suspended").asBoolean(false), commit, List.copyOf(services)));
        }
        return new FleetView(member.agent(), seen, member.stale(), url, List.copyOf(hosts), "");
    }

    /** A word of another agent's document; one this version does not know reads as {@code otherwise}. */
    private static <E extends Enum<E> & Word> E word(Class<E> type, String text, E otherwise) {
        try {
            return Word.parse(type, text);
        } catch (IllegalArgumentException e) {
            return otherwise;
        }
    }

    /** What the overview says when the database cannot be read for the fleet. */
    static String problem(RuntimeException e) {
        return "the other agents cannot be shown: the history database cannot be read (" + e.getMessage() + ")";
    }
}
