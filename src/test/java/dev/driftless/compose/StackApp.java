package dev.driftless.compose;

import dev.driftless.testing.Images.Image;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;

/**
 * The service the compose tests bring up, written into their repository: a stack of two containers of one image,
 * {@code web} mounting a config file of the service ({@code web.conf}, "version 1"), {@code db} mounting nothing.
 */
final class StackApp {

    /** How the containers are kept off the host's network, as each engine of the tests allows. */
    enum Network {
        /** No network at all: compose v1 then makes none either. */
        NONE("    network_mode: none\n", ""),
        /** podman-compose 1.0.3 makes a bridge network whatever the file says: internal, it adds no NAT rules. */
        INTERNAL("", "networks:\n  default:\n    internal: true\n");

        private final String perService;
        private final String topLevel;

        Network(String perService, String topLevel) {
            this.perService = perService;
            this.topLevel = topLevel;
        }
    }

    private StackApp() {
    }

    /** Writes service {@code service} for {@code host}, its stack in {@code directory}, both containers of {@code image}. */
    static void write(TestRepo repo, String service, String host, Path directory, String image, Network network) {
        repo.write("services/" + service + "/compose.yaml", "services:\n  web:\n    image: " + image + "\n"
                + network.perService + "    volumes:\n      - ./web.conf:/etc/web.conf:ro\n  db:\n    image: " + image + "\n"
                + network.perService + network.topLevel);
        repo.write("services/" + service + "/service.yaml", """
                hosts: [%s]
                compose:
                  source: compose.yaml
                  directory: %s
                files:
                  - path: %s/web.conf
                    content: "version 1\\n"
                """.formatted(host, directory, directory));
    }

    /**
     * Writes service app for {@code host}: its stack in {@code directory} (compose.yaml written separately, e.g. with
     * {@link #web}), a {@code container: web} check of 15 s, and {@code more} keys.
     */
    static void checked(TestRepo repo, String host, Path directory, String more) {
        repo.write("services/app/service.yaml", """
                hosts: [%s]
                compose:
                  source: compose.yaml
                  directory: %s
                health:
                  - container: web
                    timeout: 15s
                %s""".formatted(host, directory, more));
    }

    /** A compose file's service web on {@code image}, off the network, with {@code environment} lines. */
    static String web(Image image, String environment) {
        return """
                services:
                  web:
                    image: %s
                    network_mode: none
                %s""".formatted(image.reference(), environment);
    }

    /**
     * Removes service {@code service} from the repository and commits; another service keeps {@code host} in it, with
     * a file at {@code otherFile}.
     */
    static void remove(TestRepo repo, String service, String host, Path otherFile) {
        repo.write("services/other/service.yaml", "hosts: [" + host + "]\nfiles:\n  - path: " + otherFile
                + "\n    content: x\n");
        repo.delete("services/" + service + "/service.yaml");
        repo.delete("services/" + service + "/compose.yaml");
        repo.commit(service + " is gone");
    }
}
