package dev.driftless.system;

import static dev.driftless.system.PackageLab.installed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host whose package manager is busy (another apt or dpkg holds its lock) fails with apt's own message as a
 * transient failure, worth trying again; the other hosts of the apply go on, and the next apply converges.
 */
class PackageManagerLockTest {

    @TempDir
    Path tmp;

    @Test
    void aHeldDpkgLockFailsThatHostTransientlyWithAptsMessageWhileTheOtherHostGoesOn() throws IOException {
        try (DebianRoot a = PackageLab.debianHost(); DebianRoot b = PackageLab.debianHost();
                TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n    root: " + a.dir()
                    + "\n  b:\n    address: local\n    root: " + b.dir() + "\n")
                    .write("services/app/service.yaml", "hosts: [a, b]\npackages: [demo-app]\n")
                    .commit("demo-app on a and b");

            Cli.Result first;
            // apt locks with fcntl (a POSIX lock, as FileChannel.lock takes), not flock: flock(1) would not stop it;
            // held by this JVM until the apply returns, so a failing test cannot leave it held
            Path frontendLock = a.path("/var/lib/dpkg/lock-frontend");
            try (FileChannel frontend = FileChannel.open(frontendLock, StandardOpenOption.WRITE);
                    FileLock held = frontend.lock()) {
                first = apply(repo);
            }

            assertThat(first.exitCode()).as(first.toString()).isEqualTo(1);
            Map<String, JsonNode> hosts = byHost(first);
            assertThat(hosts.get("a").path("status").asText()).isEqualTo("failed");
            assertThat(hosts.get("a").path("failure").asText()).isEqualTo("transient");
            assertThat(hosts.get("a").path("error").asText()).contains("a: apt failed (exit 100)",
                    "Could not get lock /var/lib/dpkg/lock-frontend")
                    .as("apt's error, not its progress").doesNotContain("Get:");
            assertThat(installed(a, "demo-app")).isEmpty();
            assertThat(hosts.get("b").path("status").asText()).isEqualTo("applied");
            assertThat(installed(b, "demo-app")).hasValue("1.1");

            Cli.Result second = apply(repo);

            assertThat(second.exitCode()).as(second.toString()).isZero();
            assertThat(byHost(second).get("a").path("status").asText()).isEqualTo("applied");
            assertThat(installed(a, "demo-app")).hasValue("1.1");
            Cli.Result check = Cli.run("check", "--repo", repo.dir().toString());
            assertThat(check.exitCode()).as(check.toString()).isZero();
        }
    }

    private static Cli.Result apply(TestRepo repo) {
        return Cli.run("apply", "--repo", repo.dir().toString(), "--output", "json");
    }

    /** The hosts of an apply's JSON output, by name. */
    private static Map<String, JsonNode> byHost(Cli.Result apply) throws IOException {
        Map<String, JsonNode> hosts = new HashMap<>();
        new ObjectMapper().readTree(apply.out()).path("hosts").forEach(h -> hosts.put(h.path("host").asText(), h));
        return hosts;
    }
}
