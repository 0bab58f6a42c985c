package dev.driftless.load;

import dev.driftless.model.Host;
import dev.driftless.model.Inventory;
import dev.driftless.model.Problem;
import dev.driftless.model.Resource;
import dev.driftless.model.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which service manages which path, on which hosts, and the rules between the paths of one host: a
 * path belongs to one service, and nothing is managed below a managed file (it cannot hold files) or
 * below a managed symbolic link (Driftless would write through the link, to wherever it points).
 */
final class PathClaims {

    private record Claim(Resource resource, Service service) {
    }

    private final Inventory inventory;
    private final Map<String, List<Claim>> byPath = new LinkedHashMap<>();

    PathClaims(Inventory inventory, List<Service> services) {
        this.inventory = inventory;
        for (Service service : services) {
            for (Resource resource : service.resources()) {
                byPath.computeIfAbsent(resource.path(), p -> new ArrayList<>()).add(new Claim(resource, service));
            }
        }
    }

    void check(List<Problem> problems) {
        byPath.forEach((path, claims) -> {
            for (int j = 0; j < claims.size(); j++) {
                Claim claim = claims.get(j);
                for (int i = 0; i < j; i++) {
                    Claim first = claims.get(i);
                    Set<String> shared = sharedHosts(first.service(), claim.service());
                    if (!shared.isEmpty()) {
                        problems.add(new Problem(claim.resource().where(), "path " + path + " is also claimed by service '"
                                + first.service().name() + "' (" + first.resource().where() + ") on host "
                                + String.join(", ", shared) + "; one path belongs to one service"));
                    }
                }
                belowFileOrLink(claim).ifPresent(problems::add);
            }
        });
    }

    /** The nearest managed file or link above the claim's path on a host the two share, as a problem. */
    private Optional<Problem> belowFileOrLink(Claim claim) {
        String path = claim.resource().path();
        for (Optional<String> above = Paths.parent(path); above.isPresent(); above = Paths.parent(above.get())) {
            for (Claim holder : byPath.getOrDefault(above.get(), List.of())) {
                if (holder.resource() instanceof Resource.Directory) {
                    continue;
                }
                Set<String> shared = sharedHosts(holder.service(), claim.service());
                if (shared.isEmpty()) {
                    continue;
                }
                String what = holder.resource() instanceof Resource.Symlink
                        ? "a symbolic link that service '" + holder.service().name() + "' manages"
                        : "a file that service '" + holder.service().name() + "' manages";
                String fix = holder.resource() instanceof Resource.Symlink
                        ? "Driftless would write through the link, to wherever it points: manage the files at the"
                                + " link's target instead"
                        : "a file cannot hold other files: make " + above.get() + " a 'type: directory' entry, or move"
                                + " this path";
                return Optional.of(new Problem(claim.resource().where(), "path " + path + " is below " + above.get()
                        + ", " + what + " (" + holder.resource().where() + ") on host " + String.join(", ", shared)
                        + "; " + fix));
            }
        }
        return Optional.empty();
    }

    private Set<String> sharedHosts(Service a, Service b) {
        Set<String> shared = new LinkedHashSet<>();
        for (Host host : inventory.hosts().values()) {
            if (a.runsOn(host) && b.runsOn(host)) {
                shared.add(host.name());
            }
        }
        return shared;
    }
}
