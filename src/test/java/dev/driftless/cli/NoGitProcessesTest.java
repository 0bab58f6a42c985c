package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command reads its repository with JGit and starts no git process: JGit alone would run {@code git --version} and
 * {@code git config --system} on every command to find a system configuration Driftless does not read (two processes
 * on the way to every first connection). Checked in a JVM of its own, as a user runs the command, with a {@code git}
 * first on the PATH that writes down each call.
 */
class NoGitProcessesTest {

    @TempDir
    Path tmp;

    @Test
    void aPlanStartsNoGitProcess() throws IOException, InterruptedException {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/motd/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/motd
                    source: motd
                """);
        repo.write("services/motd/motd", "hello\n");
        repo.commit("motd");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("git-calls.txt");
        Files.writeString(calls, "");
        Path git = bin.resolve("git");
        Files.writeString(git, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + calls + "'\nexec /usr/bin/git \"$@\"\n");
        Files.setPosixFilePermissions(git, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path output = tmp.resolve("plan.out");

        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "plan", "--repo", repo.dir().toString(), "--root", tmp.resolve("root").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("PATH", bin + ":/usr/bin:/bin");
        builder.environment().put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the plan ended").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);

        // exit 2: changes to make (the file is not there yet): the plan ran through
        assertThat(process.exitValue()).as(printed).isEqualTo(2);
        assertThat(printed).contains("+ /etc/motd");
        assertThat(Files.readString(calls)).as("the git commands the plan started").isEmpty();
    }
}
