package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kernel saw of a file's temporary sibling while the real CLI wrote it, recorded by strace:
 * no other user could read a byte of it before it was complete. (The SSH side is in SshHostsTest.)
 */
class SecretWriteTraceTest {

    /** A service of the hosts given (%s) with a file others may read once complete, owned by another user. */
    static final String SECRET_SERVICE = """
            hosts: [%s]
            files:
              - path: /etc/app/secret.conf
                content: "password=hunter2\\n"
                mode: "0640"
                owner: driftless-plain
                group: driftless-sudo
            """;

    @TempDir
    Path tmp;

    @Test
    void aLocalWriteCreatesTheTemporaryFilePrivateAndOwnedBeforeTheFirstByteAndWidensItOnlyWhenComplete()
            throws Exception {
        Path root = tmp.resolve("root");
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: local\n");
        repo.write("services/app/service.yaml", SECRET_SERVICE.formatted("web-1"));
        repo.commit("a file others may read once it is complete");
        Path trace = tmp.resolve("trace");

        List<String> command = new ArrayList<>(SyscallTrace.strace(trace));
        command.addAll(Processes.driftless(tmp, "apply", "--repo", repo.dir().toString(), "--root", root.toString())
                .command());
        Process apply = Processes.start(new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true));
        String out = new String(apply.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(apply.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(apply.exitValue()).as(out).isZero();

        SyscallTrace.FileStory story = SyscallTrace.of(trace).story(".secret.conf.driftless-tmp");
        assertThat(story.exposures()).as(story.toString()).isEmpty();
        assertThat(story.of(SyscallTrace.Kind.OWNER)).as(story.toString()).isNotEmpty();
        assertThat(story.last(SyscallTrace.Kind.MODE).mode()).as(story.toString()).isEqualTo(0640);
        assertThat(story.last(SyscallTrace.Kind.RENAME).index()).isGreaterThan(story.last(SyscallTrace.Kind.MODE).index());
        Path file = root.resolve("etc/app/secret.conf");
        assertThat(Files.readString(file)).isEqualTo("password=hunter2\n");
        assertThat((Integer) Files.getAttribute(file, "unix:mode") & 07777).isEqualTo(0640);
        assertThat(Files.getOwner(file).getName()).isEqualTo("driftless-plain");
    }
}
