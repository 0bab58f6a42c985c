package dev.driftless.testing;


import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts the real Driftless CLI as a separate JVM, for tests of locks and crashes. */
public final class Processes {

    private Processes() {
    }

    public static ProcessBuilder driftless(Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // as bin/driftless starts it: C1 only and the serial collector start a short command fastest
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.driftless.cli.Main");
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(workDir.toFile());
    }

    public static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", builder.command()), e);
        }
    }

}
