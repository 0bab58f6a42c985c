package dev.driftless.host;

import dev.driftless.model.Address;
import dev.driftless.model.Ownership;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A machine reached over SSH. One session serves the whole command; every operation is one remote
 * shell command (inspecting many paths is two: one stat of all, one hash of those whose stat
 * changed). Writes are atomic on the host exactly as locally: a temporary file in the same directory,
 * synced, then renamed. Needs a POSIX shell and GNU coreutils on the host.
 */
public final class SshHost implements Host {

    private static final String STAT_FORMAT = "%n\\0%f\\0%U\\0%G\\0%s\\0%d:%i:%s:%.9Y:%.9Z\\0%Y\\0%Z\\0";
    private static final long SETTLED_SECONDS = 2;

    private final String name;
    private final Address.Ssh address;
    private final ClientSession session;
    private final Optional<String> root;
    private final boolean sudo;
    private final Duration timeout;

    SshHost(String name, Address.Ssh address, ClientSession session, Optional<String> root, boolean sudo,
            Duration timeout) {
        this.name = name;
        this.address = address;
        this.session = session;
        this.root = root.map(r -> r.endsWith("/") ? r.substring(0, r.length() - 1) : r);
        this.sudo = sudo;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String root() {
        return root.orElse("/");
    }

    @Override
    public String describe() {
        return address + root.map(r -> ", root " + r).orElse("");
    }

    private String remote(String path) {
        if (path.indexOf('\n') >= 0 || path.indexOf('\0') >= 0) {
            throw new HostException(name + ": paths with a line break cannot be managed over SSH: " + path);
        }
        return root.map(r -> r + path).orElse(path);
    }

    private String logical(String remotePath) {
        return root.map(r -> remotePath.substring(r.length())).orElse(remotePath);
    }

    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** One remote command's outcome. */
    private record Result(int exit, byte[] out, String err) {
    }

    private Result exec(String script, byte[] input) {
        String command = sudo ? "sudo -n sh -c " + quote(script) : script;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(timeout);
            // written straight to the channel, then closed, which the host reads as end of input
            try (OutputStream stdin = channel.getInvertedIn()) {
                stdin.write(input);
            }
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new HostException(name + ": a remote command did not finish within " + timeout.toSeconds() + "s");
            }
            Integer exit = channel.getExitStatus();
            return new Result(exit == null ? -1 : exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8).trim());
        } catch (IOException | IllegalStateException e) {
            // MINA says "session is being closed" with an IllegalStateException when the host went away
            throw new HostException(name + ": the SSH connection failed: " + e.getMessage(), e);
        }
    }

    private Result exec(String script) {
        return exec(script, new byte[0]);
    }

    private static byte[] nulSeparated(Collection<String> items) {
        StringBuilder text = new StringBuilder();
        for (String item : items) {
            text.append(item).append('\0');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> splitNul(byte[] bytes) {
        List<String> parts = new ArrayList<>();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\0') {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    @Override
    public Map<String, LiveEntry> inspect(Collection<String> paths, Map<String, LiveEntry.Known> known) {
        List<String> distinct = paths.stream().distinct().toList();
        Map<String, String> remoteToLogical = new LinkedHashMap<>();
        distinct.forEach(p -> remoteToLogical.put(remote(p), p));
        // first round trip: the host's clock and one stat of every path (missing ones print nothing)
        Result stat = exec("date +%s; xargs -0 -r stat --printf " + quote(STAT_FORMAT) + " -- 2>/dev/null; exit 0",
                nulSeparated(remoteToLogical.keySet()));
        String all = new String(stat.out(), StandardCharsets.UTF_8);
        int newline = all.indexOf('\n');
        if (newline < 0) {
            throw new HostException(name + ": cannot inspect files: " + stat.err());
        }
        long now = Long.parseLong(all.substring(0, newline).trim());
        List<String> fields = splitNul(all.substring(newline + 1).getBytes(StandardCharsets.UTF_8));
        Map<String, LiveEntry> result = new HashMap<>();
        Map<String, String[]> files = new LinkedHashMap<>();
        List<String> links = new ArrayList<>();
        for (int i = 0; i + 8 <= fields.size(); i += 8) {
            String path = logical(fields.get(i));
            int rawMode = Integer.parseInt(fields.get(i + 1), 16);
            int mode = rawMode & 07777;
            int type = rawMode & 0170000;
            String owner = fields.get(i + 2);
            String group = fields.get(i + 3);
            if (type == 0100000) {
                long changed = Math.max(Long.parseLong(fields.get(i + 6)), Long.parseLong(fields.get(i + 7)));
                String statKey = now - changed >= SETTLED_SECONDS ? fields.get(i + 5) : null;
                LiveEntry.Known k = known.get(path);
                if (k != null && statKey != null && statKey.equals(k.stat())) {
                    result.put(path, new LiveEntry.File(k.sha256(), Long.parseLong(fields.get(i + 4)), mode, owner, group,
                            statKey));
                } else {
                    files.put(path, new String[] {fields.get(i + 4), Integer.toString(mode), owner, group, statKey});
                }
            } else if (type == 0040000) {
                result.put(path, new LiveEntry.Directory(mode, owner, group));
            } else if (type == 0120000) {
                links.add(path);
            } else {
                result.put(path, new LiveEntry.Other(type == 0010000 ? "fifo" : type == 0140000 ? "socket" : "device"));
            }
        }
        // second round trip, only when needed: hash what changed, read link targets
        if (!files.isEmpty()) {
            List<String> remotes = files.keySet().stream().map(this::remote).toList();
            List<String> hashes = splitNul(exec("xargs -0 -r sha256sum -z --", nulSeparated(remotes)).out());
            Map<String, String> byPath = new HashMap<>();
            for (String line : hashes) {
                if (line.length() > 66) {
                    byPath.put(logical(line.substring(66)), line.substring(0, 64));
                }
            }
            files.forEach((path, f) -> {
                String sha = byPath.get(path);
                result.put(path, sha == null ? new LiveEntry.Missing()
                        : new LiveEntry.File(sha, Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4]));
            });
        }
        if (!links.isEmpty()) {
            List<String> targets = splitNul(exec("xargs -0 -r readlink -z --",
                    nulSeparated(links.stream().map(this::remote).toList())).out());
            for (int i = 0; i < links.size() && i < targets.size(); i++) {
                result.put(links.get(i), new LiveEntry.Symlink(targets.get(i)));
            }
        }
        Map<String, LiveEntry> ordered = new LinkedHashMap<>();
        distinct.forEach(p -> ordered.put(p, result.getOrDefault(p, new LiveEntry.Missing())));
        return ordered;
    }

    @Override
    public byte[] read(String path) {
        Result result = exec("cat -- " + quote(remote(path)));
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot read " + path + ": " + result.err());
        }
        return result.out();
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static String tempOf(String path) {
        int slash = path.lastIndexOf('/');
        return path.substring(0, slash + 1) + "." + path.substring(slash + 1) + LocalHost.TEMP_SUFFIX;
    }

    private static String attributes(String target, Ownership ownership, int defaultMode) {
        StringBuilder script = new StringBuilder();
        if (ownership.mode().isEmpty()) {
            script.append("if [ -e \"$f\" ]; then chmod --reference=\"$f\" \"$t\"; else chmod ")
                    .append(Integer.toOctalString(defaultMode)).append(" \"$t\"; fi; ");
        } else {
            script.append("chmod ").append(Integer.toOctalString(ownership.mode().get())).append(" \"$t\"; ");
        }
        script.append(ownership.owner().map(o -> "chown " + quote(o) + " \"$t\"; ")
                .orElse("if [ -e \"$f\" ]; then chown --reference=\"$f\" \"$t\" 2>/dev/null || true; fi; "));
        script.append(ownership.group().map(g -> "chgrp " + quote(g) + " \"$t\"; ").orElse(""));
        return script.toString();
    }

    @Override
    public void writeFile(String path, byte[] content, Ownership ownership) {
        String f = remote(path);
        String script = "set -e; f=" + quote(f) + "; t=" + quote(tempOf(f)) + "; "
                + "if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then exit 3; fi; "
                + "mkdir -p " + quote(parentOf(f)) + "; trap 'rm -f \"$t\"' EXIT; rm -f \"$t\"; cat > \"$t\"; "
                + attributes(f, ownership, 0644)
                + "sync \"$t\"; mv -fT \"$t\" \"$f\"; sync " + quote(parentOf(f)) + " 2>/dev/null || true";
        Result result = exec(script, content);
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " is a directory on the host, where the repository wants a"
                    + " file; move it away by hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot write " + path + ": " + result.err()
                    + "; what was there is unchanged");
        }
    }

    @Override
    public void makeDirectory(String path, Ownership ownership) {
        String f = remote(path);
        StringBuilder script = new StringBuilder("set -e; f=" + quote(f) + "; ");
        script.append("if [ -e \"$f\" ] && [ ! -d \"$f\" ]; then exit 3; fi; ");
        script.append("if [ ! -d \"$f\" ]; then mkdir -p \"$f\"; chmod 755 \"$f\"; fi; ");
        ownership.mode().ifPresent(m -> script.append("chmod ").append(Integer.toOctalString(m)).append(" \"$f\"; "));
        ownership.owner().ifPresent(o -> script.append("chown ").append(quote(o)).append(" \"$f\"; "));
        ownership.group().ifPresent(g -> script.append("chgrp ").append(quote(g)).append(" \"$f\"; "));
        Result result = exec(script.toString());
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " exists on the host and is not a directory; move it away by"
                    + " hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot create directory " + path + ": " + result.err());
        }
    }

    @Override
    public void symlink(String path, String target) {
        String f = remote(path);
        String script = "set -e; f=" + quote(f) + "; t=" + quote(tempOf(f)) + "; "
                + "if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then exit 3; fi; "
                + "mkdir -p " + quote(parentOf(f)) + "; trap 'rm -f \"$t\"' EXIT; rm -f \"$t\"; "
                + "ln -s -- " + quote(target) + " \"$t\"; mv -fT \"$t\" \"$f\"";
        Result result = exec(script);
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " is a directory on the host, where the repository wants a"
                    + " symbolic link; move it away by hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot create symbolic link " + path + ": " + result.err());
        }
    }

    @Override
    public int removeLeftovers(Collection<String> directories) {
        if (directories.isEmpty()) {
            return 0;
        }
        Result result = exec("xargs -0 -r -I{} find {} -maxdepth 1 -name '.*" + LocalHost.TEMP_SUFFIX
                + "' -type f -print -delete 2>/dev/null; exit 0",
                nulSeparated(directories.stream().map(this::remote).toList()));
        return (int) new String(result.out(), StandardCharsets.UTF_8).lines().count();
    }

    @Override
    public Removal remove(String path) {
        String f = quote(remote(path));
        Result result = exec("if [ -d " + f + " ] && [ ! -L " + f + " ]; then rmdir " + f + " 2>/dev/null || exit 4; "
                + "elif [ -e " + f + " ] || [ -L " + f + " ]; then rm -f " + f + "; else exit 5; fi");
        return switch (result.exit()) {
            case 0 -> Removal.REMOVED;
            case 4 -> Removal.KEPT_NOT_EMPTY;
            case 5 -> Removal.ALREADY_GONE;
            default -> throw new HostException(name + ": cannot remove " + path + ": " + result.err());
        };
    }

    @Override
    public CommandResult run(String command, Map<String, String> environment, Duration commandTimeout) {
        StringBuilder script = new StringBuilder();
        environment.forEach((k, v) -> script.append(k).append('=').append(quote(v)).append(' '));
        script.append("timeout ").append(Math.max(1, commandTimeout.toSeconds())).append(" sh -c ")
                .append(quote(command)).append(" 2>&1");
        Result result = exec("env " + script);
        boolean timedOut = result.exit() == 124;
        return new CommandResult(timedOut ? -1 : result.exit(), new String(result.out(), StandardCharsets.UTF_8),
                timedOut);
    }

    @Override
    public AutoCloseable lock(Duration wait, Consumer<String> onWait) {
        String lockFile = remote("/var/lib/driftless/lock");
        String script = "mkdir -p " + quote(parentOf(lockFile)) + " && exec 9>>" + quote(lockFile) + " || exit 2; "
                + "if ! flock -n 9; then echo \"WAIT $(cat " + quote(lockFile) + ")\"; "
                + "flock -w " + Math.max(1, wait.toSeconds()) + " 9 || { echo TIMEOUT; exit 3; }; fi; "
                + "echo $$ > " + quote(lockFile) + "; echo LOCKED; cat > /dev/null";
        String command = sudo ? "sudo -n sh -c " + quote(script) : script;
        try {
            ChannelExec channel = session.createExecChannel(command);
            channel.open().verify(timeout);
            OutputStream stdin = channel.getInvertedIn();
            BufferedReader stdout = new BufferedReader(new InputStreamReader(channel.getInvertedOut(), StandardCharsets.UTF_8));
            String line;
            while ((line = stdout.readLine()) != null) {
                if (line.startsWith("WAIT")) {
                    String holder = line.substring(4).trim();
                    onWait.accept("waiting for the lock on host " + name + " held by "
                            + (holder.isEmpty() ? "another apply" : "pid " + holder) + " (up to " + wait.toSeconds() + "s)");
                } else if (line.equals("LOCKED")) {
                    return () -> {
                        stdin.close();
                        channel.close(false);
                    };
                } else if (line.equals("TIMEOUT")) {
                    break;
                }
            }
            boolean timedOut = "TIMEOUT".equals(line);
            String error = new String(channel.getInvertedErr().readAllBytes(), StandardCharsets.UTF_8).trim();
            channel.close(true);
            if (timedOut) {
                throw new HostException(name + ": gave up after " + wait.toSeconds() + "s waiting for the apply lock"
                        + " (use --lock-timeout to wait longer)");
            }
            throw new HostException(name + ": cannot take the apply lock: "
                    + (error.isEmpty() ? "the remote command ended" : error));
        } catch (IOException | IllegalStateException e) {
            throw new HostException(name + ": cannot take the apply lock: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        session.close(false);
    }
}
