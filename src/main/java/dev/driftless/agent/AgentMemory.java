package dev.driftless.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the agent keeps across restarts beside the history: the commit each host must have (its target),
 * the commit that failed and is not tried again, and the commit being applied right now. The last is
 * written before an apply starts and cleared when it ends, so a process that dies while applying (out of
 * memory, killed, restarted by systemd) finds it at the next start and does not try that commit again.
 * Kept in {@code STATE_DIR/agent-state.json}, replaced atomically.
 */
final class AgentMemory {

    static final String FILE = "agent-state.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** A commit being applied, since when (ISO-8601). */
    record Attempt(String commit, String startedAt) {
    }

    /** The file's content. */
    record Saved(int version, Map<String, String> targets, String failedCommit, Attempt attempt) {
    }

    private final Path file;
    private final Map<String, String> targets;
    private final Optional<Attempt> interrupted;
    private Optional<String> failedCommit;
    private Optional<Attempt> attempt = Optional.empty();

    private AgentMemory(Path file, Saved saved) {
        this.file = file;
        this.targets = new TreeMap<>(saved.targets() == null ? Map.of() : saved.targets());
        this.failedCommit = Optional.ofNullable(saved.failedCommit());
        this.interrupted = Optional.ofNullable(saved.attempt());
    }

    /** Reads what the last run left in {@code stateDir}; nothing when it is the first run. */
    static AgentMemory load(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return new AgentMemory(file, new Saved(1, Map.of(), null, null));
        }
        try {
            return new AgentMemory(file, JSON.readValue(file.toFile(), Saved.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (the agent's memory of each host's commit);"
                    + " move it away to start over: " + e.getMessage(), e);
        }
    }

    /** The apply the last run started and never finished: the process died during it. */
    Optional<Attempt> interrupted() {
        return interrupted;
    }

    synchronized Optional<String> target(String host) {
        return Optional.ofNullable(targets.get(host));
    }

    synchronized Map<String, String> targets() {
        return Map.copyOf(targets);
    }

    synchronized Optional<String> failedCommit() {
        return failedCommit;
    }

    /** Records, durably, that {@code commit} is about to be applied. */
    synchronized void begin(String commit, Instant at) {
        attempt = Optional.of(new Attempt(commit, at.toString()));
        save();
    }

    /** The apply ended: these hosts now have {@code commit}; {@code failed} says whether it failed somewhere. */
    synchronized void finish(String commit, Collection<String> applied, boolean failed) {
        applied.forEach(host -> targets.put(host, commit));
        failedCommit = failed ? Optional.of(commit) : failedCommit.filter(f -> !f.equals(commit));
        attempt = Optional.empty();
        save();
    }

    /** The apply ended without a verdict (the agent is stopping): it is tried again after a restart. */
    synchronized void abandon() {
        attempt = Optional.empty();
        save();
    }

    /** A commit is known to fail (also one the process died applying): it is not tried again. */
    synchronized void failed(String commit) {
        failedCommit = Optional.of(commit);
        attempt = Optional.empty();
        save();
    }

    private void save() {
        Saved saved = new Saved(1, targets, failedCommit.orElse(null), attempt.orElse(null));
        Path temp = file.resolveSibling("." + FILE + ".tmp");
        try {
            Files.deleteIfExists(temp);
            try (FileChannel channel = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(saved));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true); // the attempt must be on disk before the apply touches a host
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
