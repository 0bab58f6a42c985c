package dev.driftless.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A machine of the inventory, as declared in driftless.yaml. */
public record Host(
        String name,
        Address address,
        List<String> groups,
        Map<String, Object> vars,
        Optional<String> root,
        Optional<String> identity,
        Optional<String> become,
        Location where) {

    public Host {
        groups = List.copyOf(groups);
        vars = Map.copyOf(vars);
    }

    public boolean isSelectedBy(String hostOrGroup) {
        return name.equals(hostOrGroup) || groups.contains(hostOrGroup);
    }
}
