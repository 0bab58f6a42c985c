package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packages apt cannot install fail the plan of their host, naming where the repository asks for them, before
 * anything is applied there: a name apt's lists do not know, a version they do not have, a virtual package.
 */
class PackagePlanRefusalsTest {

    /** A service with a file before its packages: the file must not be written when the packages are refused. */
    private static final String WITH_FILE = """
            hosts: [lab]
            files:
              - path: /etc/app.conf
                content: "x\\n"
            packages:
            """;

    @TempDir
    Path tmp;

    @Test
    void aPackageAptDoesNotKnowFailsThePlanNamingItsLine() throws IOException {
        Cli.Result plan = refused(WITH_FILE + "  - demo-app\n  - name: demo-nope\n",
                "services/app/service.yaml:7: packages[1]: package 'demo-nope' is not known to apt on lab (check the"
                        + " name, or the host's apt sources; its lists are from its last apt-get update)");

        assertThat(plan.out()).as("demo-app is known").doesNotContain("'demo-app'");
    }

    @Test
    void aVersionAptDoesNotHaveFailsThePlanSayingWhichItHas() throws IOException {
        refused(WITH_FILE + "  - name: demo-app\n    version: \"9.9\"\n", "services/app/service.yaml:6: packages[0]:"
                + " version 9.9 of package 'demo-app' is not known to apt on lab (it knows 1.1, 1.0; check the"
                + " version");
    }

    @Test
    void aVirtualPackageFailsThePlanAskingForThePackageThatProvidesIt() throws IOException {
        // awk is provided by mawk, installed in every Debian: apt-get install awk succeeds and installs no awk
        refused(WITH_FILE + "  - awk\n", "services/app/service.yaml:6: packages[0]: apt on lab knows 'awk' but has no"
                + " version of it to install (a virtual package, or one only other packages mention): name the package"
                + " that provides it");
    }

    /** Plans and applies {@code serviceYaml}: both fail saying {@code message}, and nothing changes. The plan. */
    private Cli.Result refused(String serviceYaml, String message) throws IOException {
        try (PackageLab lab = PackageLab.open(tmp.resolve("repo"))) {
            lab.app(serviceYaml);

            Cli.Result plan = lab.run("plan");
            Cli.Result apply = lab.run("apply");

            assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
            assertThat(plan.out()).contains("lab: error: " + message);
            assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
            assertThat(apply.out()).contains("lab: error: " + message, "lab: nothing is changed on lab");
            assertThat(lab.root().path("/etc/app.conf")).doesNotExist();
            assertThat(lab.installed("demo-app")).isEmpty();
            assertThat(lab.aptGetCalls()).isEmpty();
            return plan;
        }
    }
}
