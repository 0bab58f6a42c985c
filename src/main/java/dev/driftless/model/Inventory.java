package dev.driftless.model;

import java.util.Map;

/** The hosts of driftless.yaml, in declared order, and the repository-wide template variables. */
public record Inventory(Map<String, Host> hosts, Map<String, Object> vars) {

    public boolean knowsHostOrGroup(String name) {
        return hosts.containsKey(name) || hosts.values().stream().anyMatch(h -> h.groups().contains(name));
    }
}
