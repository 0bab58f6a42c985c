package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file too large to read from a repository is a clear problem naming the entry, the file, its size and the limit. */
class LargeFileTest {

    @TempDir
    Path tmp;

    @Test
    void aSourceFileAboveTheLimitIsAProblemNamingTheEntryTheFileItsSizeAndTheLimit() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", """
                hosts:
                  app-1:
                    address: local
                """);
        repo.write("services/app/service.yaml", """
                hosts: [app-1]
                files:
                  - path: /etc/app/small
                    content: "small\\n"
                  - path: /opt/app/big.bin
                    source: big.bin
                """);
        byte[] big = new byte[70 * 1024 * 1024];
        Arrays.fill(big, (byte) 'x'); // compresses to almost nothing in Git
        repo.write("services/app/big.bin", big);
        repo.commit("a 70 MiB file");
        big = null;

        Cli.Result validate = Cli.run("validate", "--repo", repo.dir().toString());
        Cli.Result plan = Cli.on("plan", repo.dir(), tmp.resolve("root"));

        for (Cli.Result result : new Cli.Result[] {validate, plan}) {
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.err()).as(result.toString()).contains("services/app/service.yaml:5: files[1].source:"
                    + " services/app/big.bin has 73400320 bytes, more than the 64 MiB (67108864 bytes) Driftless reads"
                    + " from one repository file");
        }
        assertThat(plan.err()).doesNotContain("exceeds size limit");
    }
}
