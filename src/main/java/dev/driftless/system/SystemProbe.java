package dev.driftless.system;

import dev.driftless.host.Shell;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The command that reads what a host has of some packages and units, and how its output is read (sent with the
 * plan's other reads in one round trip: {@code plan.HostReading}): which package
 * manager it has, the installed version of each package, which packages its package lists do not know, and
 * what systemd says of each unit. Under a root (an image being built) the root's dpkg database is read and
 * units are asked of {@code systemctl --root}; nothing runs there.
 */
public final class SystemProbe {

    private SystemProbe() {
    }

    /**
     * What the probe read, which packages apt's lists do not know (when the host has lists at all), and what they
     * offer of the others, by the name apt prints (a name asked with {@code :arch} is printed without it).
     */
    public record Reading(SystemState state, Set<String> unknownPackages, Map<String, Offer> offers) {

        public Reading {
            unknownPackages = Set.copyOf(unknownPackages);
            offers = Map.copyOf(offers);
        }

        /** What apt offers of a package, when its lists know it. */
        public Optional<Offer> offer(String name) {
            return Optional.ofNullable(offers.get(name)).or(() -> Optional.ofNullable(offers.get(withoutArch(name))));
        }
    }

    /**
     * What apt's lists offer of one package: the version {@code apt-get install} would pick (none for a virtual
     * package) and every version it could install, newest first.
     */
    public record Offer(Optional<String> candidate, List<String> versions) {

        public Offer {
            versions = List.copyOf(versions);
        }
    }

    /** The same reading, with what the container engine said. */
    public static Reading withEngine(Reading reading, dev.driftless.compose.EngineState engine) {
        return new Reading(reading.state().with(engine), reading.unknownPackages(), reading.offers());
    }

    /** Nothing asked, nothing read. */
    public static final Reading NOTHING = new Reading(SystemState.NOTHING, Set.of(), Map.of());

    public static String script(String root, Collection<String> packages, Collection<String> units) {
        String names = packages.stream().map(Shell::quote).collect(Collectors.joining(" "));
        StringBuilder s = new StringBuilder("R=").append(Shell.quote(root.equals("/") ? "" : root)).append("; ");
        if (!packages.isEmpty()) {
            s.append("if [ -x \"$R/usr/bin/dpkg-query\" ]; then echo '@@manager apt'; ")
                    .append("dpkg-query --admindir=\"$R/var/lib/dpkg\" -W")
                    .append(" -f='@p ${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n' -- ")
                    .append(names).append(" 2>/dev/null; ")
                    // which names apt knows, when it has package lists: a name it does not know fails the plan
                    .append("if ls \"$R/var/lib/apt/lists/\" 2>/dev/null | grep -q '_Packages'; then echo '@@lists';")
                    .append(root.equals("/") ? " apt-cache policy -- " + names
                            : " chroot \"$R\" apt-cache policy -- " + names)
                    .append(" 2>/dev/null | sed -n -e 's/^\\([^ ].*\\):$/@k \\1/p'")
                    .append(" -e 's/^  Candidate: \\(.*\\)$/@c \\1/p'")
                    // the version table: " *** 1.1 500" (installed) or "     1.0 500"; its sources are indented more
                    .append(" -e 's/^ [ *][ *][ *] \\([^ ][^ ]*\\) -\\{0,1\\}[0-9][0-9]*$/@v \\1/p'; fi; ")
                    .append("elif [ -x \"$R/usr/bin/rpm\" ]; then echo '@@manager rpm'; fi; ");
        }
        if (!units.isEmpty()) {
            String unitNames = units.stream().map(Shell::quote).collect(Collectors.joining(" "));
            if (root.equals("/")) {
                s.append("if [ -d /run/systemd/system ]; then echo '@@systemd'; ")
                        .append("systemctl show -p Id,LoadState,ActiveState,UnitFileState -- ").append(unitNames)
                        .append("; else echo \"@@nosystemd $(cat /proc/1/comm 2>/dev/null)\"; fi; ");
            } else {
                s.append("echo '@@root'; for u in ").append(unitNames)
                        .append("; do if [ -e \"$R/etc/systemd/system/$u\" ] || [ -e \"$R/lib/systemd/system/$u\" ]")
                        .append(" || [ -e \"$R/usr/lib/systemd/system/$u\" ]; then")
                        .append(" echo \"@u $u $(systemctl --root=\"$R\" is-enabled -- \"$u\" 2>/dev/null)\";")
                        .append(" else echo \"@u $u\"; fi; done; ");
            }
        }
        return s.toString();
    }

    public static Reading parse(String output, Collection<String> packages, Collection<String> units, boolean running) {
        Optional<PackageManager> manager = Optional.empty();
        Map<String, String> installed = new HashMap<>();
        Map<String, String> candidates = new HashMap<>();
        Map<String, List<String>> versions = new LinkedHashMap<>();
        String lastKnown = null;
        boolean lists = false;
        Map<String, UnitStatus> unitStatus = new LinkedHashMap<>();
        Optional<String> systemd = Optional.empty();
        List<Map<String, String>> blocks = new ArrayList<>();
        Map<String, String> block = null;
        boolean inShow = false;
        for (String line : output.split("\n")) {
            if (line.startsWith("@@manager ")) {
                manager = Optional.of(line.substring(10).strip().equals("apt") ? new PackageManager.Apt()
                        : new PackageManager.Rpm());
            } else if (line.equals("@@lists")) {
                lists = true;
            } else if (line.startsWith("@p ")) {
                String[] f = line.substring(3).split("\t", -1);
                // "ii", "hi" (on hold): the second letter is the package's status, the first only what is wanted of it
                if (f.length >= 4 && f[3].length() >= 2 && f[3].charAt(1) == 'i') {
                    installed.put(f[0], f[2]);
                    installed.put(f[0] + ":" + f[1], f[2]);
                }
            } else if (line.startsWith("@k ")) {
                lastKnown = line.substring(3).strip();
                versions.put(lastKnown, new ArrayList<>());
            } else if (line.startsWith("@c ") && lastKnown != null && !line.contains("(none)")) {
                candidates.put(lastKnown, line.substring(3).strip());
            } else if (line.startsWith("@v ") && lastKnown != null) {
                versions.get(lastKnown).add(line.substring(3).strip());
            } else if (line.equals("@@systemd")) {
                inShow = true;
            } else if (line.startsWith("@@nosystemd")) {
                String pid1 = line.substring(11).strip();
                systemd = Optional.of("systemd is not running there (PID 1 is " + (pid1.isEmpty() ? "unknown" : pid1)
                        + "): units can be written and enabled only under a root");
            } else if (line.equals("@@root")) {
                systemd = Optional.of("units are not started under a root: they are enabled there for the image");
            } else if (line.startsWith("@u ")) {
                String[] f = line.substring(3).split(" ", 2);
                String state = f.length > 1 ? f[1].strip() : "";
                unitStatus.put(f[0], state.isEmpty() ? UnitStatus.NOT_FOUND
                        : new UnitStatus(state.startsWith("masked") ? "masked" : "loaded", "", state));
            } else if (inShow) {
                if (line.isBlank()) {
                    block = null;
                } else if (line.contains("=")) {
                    if (block == null) {
                        block = new HashMap<>();
                        blocks.add(block);
                    }
                    block.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
        }
        if (running) {
            List<String> names = List.copyOf(units);
            for (int i = 0; i < Math.min(names.size(), blocks.size()); i++) {
                Map<String, String> b = blocks.get(i);
                unitStatus.put(names.get(i), new UnitStatus(b.getOrDefault("LoadState", ""),
                        b.getOrDefault("ActiveState", ""), b.getOrDefault("UnitFileState", "")));
            }
        }
        Map<String, Offer> offers = new HashMap<>();
        versions.forEach((name, known) ->
                offers.put(name, new Offer(Optional.ofNullable(candidates.get(name)), known)));
        Set<String> unknown = new TreeSet<>();
        if (lists) {
            // asked but not printed by apt-cache policy: apt has never heard of it
            for (String name : packages) {
                boolean known = offers.containsKey(name) || offers.containsKey(withoutArch(name));
                if (!known && !installed.containsKey(name)) {
                    unknown.add(name);
                }
            }
        }
        return new Reading(new SystemState(manager, installed, unitStatus, systemd, dev.driftless.compose.EngineState.NOTHING),
                unknown, offers);
    }

    /** {@code nginx} of {@code nginx:amd64}: apt-cache policy prints a name asked with an architecture without it. */
    static String withoutArch(String name) {
        int colon = name.indexOf(':');
        return colon < 0 ? name : name.substring(0, colon);
    }
}
