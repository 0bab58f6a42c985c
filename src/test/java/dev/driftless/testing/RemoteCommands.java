package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The commands an {@link SshServer}'s sessions run, one entry per remote command, and the scripts Driftless's
 * long-lived shell runs in them, one entry each, in the order they ran. sshd runs each as {@code bash -c
 * COMMAND} in the user's shell, and bash run by sshd reads {@code ~/.bashrc} first (and nothing else: not the file
 * {@code BASH_ENV} names). Give the server {@link #env()} (its SetEnv) and its sessions get a home of their own, whose
 * {@code .bashrc} logs {@code $BASH_EXECUTION_STRING} when bash's parent is sshd; root's own {@code ~/.bashrc} stays
 * as it is. The sessions' commands then also run without whatever root's own one starts.
 */
public final class RemoteCommands {

    private final Path home;
    private final Path log;

    private RemoteCommands(Path home, Path log) {
        this.home = home;
        this.log = log;
    }

    /** Writes the sessions' home, with its {@code .bashrc}, and the (empty) log into {@code dir}. */
    public static RemoteCommands in(Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path log = Files.writeString(dir.resolve("commands.log"), "");
        Files.writeString(home.resolve(".bashrc"), "case \"$(cat /proc/$PPID/comm 2>/dev/null)\" in"
                + " sshd*) printf '%s\\0' \"$BASH_EXECUTION_STRING\" >>" + log + ";; esac\n");
        return new RemoteCommands(home, log);
    }

    /**
     * What the server's sessions need (its SetEnv) for their commands to be logged: their HOME, and
     * DRIFTLESS_SCRIPT_LOG, where Driftless's long-lived shell on the host logs each script it runs.
     */
    public Map<String, String> env() {
        return Map.of("HOME", home.toString(), "DRIFTLESS_SCRIPT_LOG", log.toString());
    }

    /** The login shell's commands among {@code entries}: those sshd started (Driftless's shell is one). */
    public static List<String> logins(List<String> entries) {
        return entries.stream().filter(e -> e.startsWith("exec sh -c ") || e.startsWith("exec sudo ")).toList();
    }

    /** Every command logged so far, oldest first. */
    public List<String> all() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commands and scripts run while {@code action} ran. */
    public List<String> during(Runnable action) {
        int before = all().size();
        action.run();
        List<String> after = all();
        return after.subList(before, after.size());
    }
}
