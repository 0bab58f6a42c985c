package dev.driftless.load;

import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.model.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Orders services so each comes after the services it depends on; a cycle is a problem. */
final class ServiceOrder {

    private ServiceOrder() {
    }

    /**
     * @param dependencyWhere service name to the location of each of its dependsOn items, so that a
     *     cycle is reported on the line that closes it
     */
    static List<Service> sort(List<Service> services, Map<String, List<Location>> dependencyWhere,
            List<Problem> problems) {
        Map<String, Service> byName = new LinkedHashMap<>();
        services.forEach(s -> byName.put(s.name(), s));
        List<Service> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Map<String, Integer> onStack = new HashMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        for (Service service : services) {
            visit(service, byName, dependencyWhere, ordered, done, onStack, stack, problems, reported);
        }
        return ordered;
    }

    /** Where the {@code index}th dependsOn item of a service is (the service file when unknown). */
    static Location where(Service service, int index, Map<String, List<Location>> dependencyWhere) {
        List<Location> items = dependencyWhere.getOrDefault(service.name(), List.of());
        return index < items.size() ? items.get(index) : service.where().at(service.where().line(), "dependsOn");
    }

    private static void visit(Service service, Map<String, Service> byName, Map<String, List<Location>> dependencyWhere,
            List<Service> ordered, Set<String> done, Map<String, Integer> onStack, List<String> stack,
            List<Problem> problems, Set<String> reported) {
        if (done.contains(service.name())) {
            return;
        }
        onStack.put(service.name(), stack.size());
        stack.add(service.name());
        for (int i = 0; i < service.dependsOn().size(); i++) {
            Service next = byName.get(service.dependsOn().get(i));
            if (next == null) {
                continue; // reported by the loader as an unknown service
            }
            Integer start = onStack.get(next.name());
            if (start != null) {
                List<String> cycle = new ArrayList<>(stack.subList(start, stack.size()));
                cycle.add(next.name());
                if (reported.add(String.join(">", cycle.stream().sorted().toList()))) {
                    problems.add(new Problem(where(service, i, dependencyWhere),
                            "dependsOn forms a cycle: " + String.join(" -> ", cycle)
                                    + "; remove one of these dependencies"));
                }
                continue;
            }
            visit(next, byName, dependencyWhere, ordered, done, onStack, stack, problems, reported);
        }
        stack.remove(stack.size() - 1);
        onStack.remove(service.name());
        done.add(service.name());
        ordered.add(service);
    }
}
