package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless agent}'s API options through the real command line: bad ones stop it before it listens. */
class AgentApiOptionsTest {

    @TempDir
    Path tmp;

    private String[] agent(String... more) throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.commit("v1");
        String[] base = {"agent", "--repo", "file://" + repo.dir(), "--state-dir", tmp.resolve("state").toString(),
            "--root", tmp.resolve("root").toString(), "--listen", "127.0.0.1:0"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void aTokensFileOthersCanReadStopsTheAgent() throws Exception {
        Path tokens = Files.writeString(tmp.resolve("api-tokens"), "ops control 0123456789abcdef0123\n");
        Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-r--r--"));

        Cli.Result run = Cli.run(agent("--tokens-file", tokens.toString()));

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.err()).contains("--tokens-file " + tokens, "readable by other users", "chmod 600")
                .doesNotContain("0123456789abcdef0123");
    }

    @Test
    void aCertificateWithoutItsKeyStopsTheAgent() throws Exception {
        Cli.Result run = Cli.run(agent("--tls-cert", tmp.resolve("cert.pem").toString()));

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.err()).contains("--tls-cert and --tls-key go together");
    }
}
