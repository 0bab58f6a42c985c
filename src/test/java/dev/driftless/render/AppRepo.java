package dev.driftless.render;

import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the render tests' repository: local hosts, some vars, and a service "app" rendering /etc/app/app.conf from app.peb. */
final class AppRepo {

    private final List<String> hosts = new ArrayList<>();
    private String vars = "";

    static AppRepo with(String... hosts) {
        AppRepo repo = new AppRepo();
        repo.hosts.addAll(List.of(hosts));
        return repo;
    }

    /** Repository vars, as YAML lines under {@code vars:}. */
    AppRepo vars(String yaml) {
        this.vars = yaml;
        return this;
    }

    /** Writes driftless.yaml and the service (app.peb is left to the test) without committing. */
    TestRepo init(Path dir) {
        TestRepo repo = TestRepo.init(dir);
        StringBuilder inventory = new StringBuilder("hosts:\n");
        hosts.forEach(h -> inventory.append("  ").append(h).append(":\n    address: local\n"));
        if (!vars.isEmpty()) {
            inventory.append("vars:\n");
            vars.lines().forEach(line -> inventory.append("  ").append(line).append('\n'));
        }
        repo.write("driftless.yaml", inventory.toString());
        repo.write("services/app/service.yaml", """
                hosts: [%s]
                files:
                  - path: /etc/app/app.conf
                    template: app.peb
                """.formatted(String.join(", ", hosts)));
        return repo;
    }
}
