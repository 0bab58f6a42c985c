package dev.driftless.model;

import java.util.List;
import java.util.Map;

/**
 * The hosts of driftless.yaml, in declared order, the repository-wide template variables, and where the agent
 * sends notifications (in declared order).
 */
public record Inventory(Map<String, Host> hosts, Map<String, Object> vars, List<Notification> notifications) {

    public Inventory {
        notifications = List.copyOf(notifications);
    }

    /** An inventory that sends no notifications. */
    public Inventory(Map<String, Host> hosts, Map<String, Object> vars) {
        this(hosts, vars, List.of());
    }

    public boolean knowsHostOrGroup(String name) {
        return hosts.containsKey(name) || hosts.values().stream().anyMatch(h -> h.groups().contains(name));
    }
}
