package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code container:} health check must name a service of the service's own compose stack. */
class ContainerCheckValidationTest {

    @TempDir
    Path temp;

    @Test
    void aContainerCheckOfAServiceWithoutComposeOrOfAnotherComposeServiceNamesItsLine() {
        TestRepo repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                health:
                  - container: web
                """);
        repo.commit("a check of a container without a stack");
        Cli.Result withoutCompose = Cli.run("validate", "--repo", repo.dir().toString());
        repo.write("services/app/compose.yaml", "services:\n  web:\n    image: 127.0.0.1:1/app\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                compose:
                  source: compose.yaml
                health:
                  - container: wbe
                """);
        repo.commit("a check of a container the stack does not have");
        Cli.Result otherService = Cli.run("validate", "--repo", repo.dir().toString());

        assertThat(withoutCompose.exitCode()).as(withoutCompose.toString()).isEqualTo(1);
        assertThat(withoutCompose.out() + withoutCompose.err()).contains("services/app/service.yaml:3:"
                + " health[0].container: 'web' would be a service of this service's compose stack, but it has no"
                + " 'compose:'");
        assertThat(otherService.exitCode()).as(otherService.toString()).isEqualTo(1);
        assertThat(otherService.out() + otherService.err()).contains("services/app/service.yaml:5:"
                + " health[0].container: 'wbe' is not a service of the compose file (it has web)");
    }
}
