package dev.driftless.cli;

/** A main that returns at once: the benchmark's floor for starting a JVM on the Driftless jar. */
public final class Noop {

    private Noop() {
    }

    public static void main(String[] args) {
        // intentionally empty
    }
}
