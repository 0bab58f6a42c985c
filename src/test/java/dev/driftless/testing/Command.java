package dev.driftless.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real program to its end within a deadline and keeps what it printed, for the Debian fixtures. */
public final class Command {

    /** How one program ended: its exit code and its standard output and error, interleaved. */
    public record Result(List<String> command, int exitCode, String output) {

        /** This result if the program exited 0, else an exception naming the command and its output. */
        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException(this.toString());
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + ": exit " + exitCode + "\n" + output;
        }
    }

    private Command() {
    }

    private static String read(Path output) throws IOException {
        // not Files.readString: a program may print bytes that are not UTF-8
        return new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    /** Runs {@code command}; one still running after {@code timeout} is killed, with its children, and throws. */
    public static Result run(Duration timeout, List<String> command) {
        Path output = null;
        try {
            // a file, not a pipe: nothing has to drain it, and a program that leaves a daemon holding it open
            // cannot make us wait
            output = Files.createTempFile("driftless-command", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": still running after " + timeout.toSeconds()
                        + " s, killed\n" + read(output));
            }
            return new Result(List.copyOf(command), process.exitValue(), read(output));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    // a temporary file left behind harms nobody
                }
            }
        }
    }
}
