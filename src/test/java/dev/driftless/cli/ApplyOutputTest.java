package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What apply prints: hosts in inventory order however they finish, and with --diff the diffs it applied. */
class ApplyOutputTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
    }

    @Test
    void hostsAppliedAtOnceArePrintedInInventoryOrderEvenWhenTheLastFinishesFirst() {
        Path marker = tmp.resolve("last-host-done");
        // the first host's handler waits (bounded) until the last host's handler has run: the last finishes first
        repo.write("driftless.yaml", """
                hosts:
                  first:
                    address: local
                  middle:
                    address: local
                  last:
                    address: local
                """);
        repo.write("services/slow/service.yaml", """
                hosts: [first]
                files:
                  - path: /etc/slow.conf
                    content: "slow\\n"
                    onChange: [wait]
                handlers:
                  wait: 'for i in $(seq 600); do [ -f %s ] && exit 0; sleep 0.05; done; exit 1'
                """.formatted(marker));
        repo.write("services/fast/service.yaml", """
                hosts: [middle, last]
                files:
                  - path: /etc/fast.conf
                    content: "fast\\n"
                    onChange: [mark]
                handlers:
                  mark: 'if [ "$DRIFTLESS_HOST" = last ]; then touch %s; fi'
                """.formatted(marker));
        repo.commit("a slow first host");

        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--parallel", "3");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        String out = apply.out();
        int first = out.indexOf("first (local");
        int middle = out.indexOf("middle (local");
        int last = out.indexOf("last (local");
        assertThat(first).as(out).isNotNegative().isLessThan(middle);
        assertThat(middle).as(out).isLessThan(last);
        // each host's lines stay together under its header
        assertThat(out.substring(first, middle)).contains("+ /etc/slow.conf (slow)", "handler slow/wait: ok");
        assertThat(out.substring(last)).contains("+ /etc/fast.conf (fast)", "handler fast/mark: ok");
    }

    @Test
    void diffPrintsUnderEachChangeTheDiffItApplied() {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    source: app.conf
                    mode: "0600"
                """);
        repo.write("services/app/app.conf", "workers 2\n").commit("app");
        Cli.Result quiet = Cli.on("apply", repo.dir(), root);
        repo.write("services/app/app.conf", "workers 4\n").commit("more workers");

        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--diff");

        assertThat(quiet.out()).as(quiet.toString()).contains("+ /etc/app.conf (app)").doesNotContain("+++");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("  ~ /etc/app.conf (app)\n"
                + "      --- /etc/app.conf\n"
                + "      +++ /etc/app.conf\n", "      -workers 2\n", "      +workers 4\n");
    }
}
