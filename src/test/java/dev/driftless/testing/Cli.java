package dev.driftless.testing;

import dev.driftless.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs the real command line in this JVM and captures what a user would see. */
public final class Cli {

    /** What one run printed and how it exited. */
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a command against a repository and a sandbox root, with extra arguments. */
    public static Result on(String command, java.nio.file.Path repo, java.nio.file.Path root, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.toString(), "--root", root.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }
}
