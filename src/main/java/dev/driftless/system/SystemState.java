package dev.driftless.system;

import java.util.Map;
import java.util.Optional;

/**
 * What a host has of the packages and units a plan is about, read in one round trip ({@link SystemProbe}).
 *
 * @param packageManager how the host installs packages, or empty when it has neither dpkg nor rpm
 * @param installed installed packages (of those asked about) to their version
 * @param units units (of those asked about) to what systemd says of them
 * @param systemd why units cannot be started or read there (systemd not running), or empty when they can
 * @param engine the container engine and the containers of Driftless's stacks, when asked
 */
public record SystemState(Optional<PackageManager> packageManager, Map<String, String> installed,
        Map<String, UnitStatus> units, Optional<String> systemd, dev.driftless.compose.EngineState engine) {

    public static final SystemState NOTHING = new SystemState(Optional.empty(), Map.of(), Map.of(), Optional.empty(),
            dev.driftless.compose.EngineState.NOTHING);

    public SystemState {
        installed = Map.copyOf(installed);
        units = Map.copyOf(units);
    }

    /** The same, with what the container engine said. */
    public SystemState with(dev.driftless.compose.EngineState read) {
        return new SystemState(packageManager, installed, units, systemd, read);
    }

    public UnitStatus unit(String name) {
        return units.getOrDefault(name, UnitStatus.NOT_FOUND);
    }
}
